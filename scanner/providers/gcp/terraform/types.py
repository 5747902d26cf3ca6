"""Terraform google_* types -> logward GCP types: one entry in TYPES per Terraform type."""

from __future__ import annotations

from collections.abc import Callable

from scanner.plan.context import PlanContext, PlanResource, TypeMapping
from scanner.providers.gcp.terraform import (
    hierarchy,
    logging,
    monitoring,
    network,
    scope,
    sql,
    storage,
)

TYPES: dict[str, TypeMapping] = {
    "google_project": TypeMapping(scope.PROJECT, scope.project_id, scope.project),
    "google_folder": TypeMapping(scope.FOLDER, scope.folder_id, scope.folder),
    **{t: TypeMapping(logging.SINK, logging.sink_id, logging.sink) for t in logging.SINK_TYPES},
    **{
        t: TypeMapping(logging.BUCKET, logging.bucket_id, logging.log_bucket)
        for t in logging.BUCKET_TYPES
    },
    "google_logging_metric": TypeMapping(logging.METRIC, logging.metric_id, logging.metric),
    "google_storage_bucket": TypeMapping(storage.BUCKET, storage.bucket_id, storage.bucket),
    "google_kms_crypto_key": TypeMapping(storage.KEY, storage.key_id, storage.crypto_key),
    "google_bigquery_dataset": TypeMapping(storage.DATASET, storage.dataset_id, storage.dataset),
    "google_monitoring_alert_policy": TypeMapping(
        monitoring.POLICY, monitoring.policy_id, monitoring.alert_policy
    ),
    "google_monitoring_notification_channel": TypeMapping(
        monitoring.CHANNEL, monitoring.channel_id, monitoring.channel
    ),
    "google_compute_subnetwork": TypeMapping(network.SUBNET, network.subnet_id, network.subnetwork),
    "google_compute_network": TypeMapping(network.NETWORK, network.network_id, network.network),
    "google_dns_policy": TypeMapping(network.DNS, network.dns_policy_id, network.dns_policy),
    "google_compute_backend_service": TypeMapping(
        network.BACKEND, network.backend_id, network.backend_service
    ),
    "google_compute_region_backend_service": TypeMapping(
        network.BACKEND, network.backend_id, network.backend_service
    ),
    "google_sql_database_instance": TypeMapping(sql.INSTANCE, sql.instance_id, sql.instance),
}
# Types that attach to an owner of TYPES, several per owner: Terraform type -> the owner it
# attaches to (None: an owner outside the plan, so the resource is not evaluated).
ATTACHED: dict[str, Callable[[PlanResource, PlanContext], PlanResource | None]] = {
    **dict.fromkeys(storage.BUCKET_IAM, storage.bucket_of),
    **dict.fromkeys(storage.KEY_IAM, storage.key_of),
    storage.DATASET_ACCESS: storage.dataset_of,
}
# Types read only as part of another resource: audit configs, IAM grants and enabled services
# of organizations, folders and projects (their `audit_configs`, `bindings` and
# `cloudasset_enabled`), and the attached types above.
CONSUMED: frozenset[str] = frozenset(
    {
        *hierarchy.AUDIT,
        *hierarchy.IAM,
        hierarchy.SERVICE,
        storage.KEY_RING,
        *storage.KEY_RING_IAM,
        *ATTACHED,
    }
)
