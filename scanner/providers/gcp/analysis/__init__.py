"""Analyses over collected GCP IAM and logging configuration."""
