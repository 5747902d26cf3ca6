"""Policies as data: the condition language, the loader and the evaluation engine."""
