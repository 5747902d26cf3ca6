"""Which Prowler checks the benchmark runs, and how they map onto logward's policies.

How the list was chosen (Prowler 5.46.0, from its check metadata
`prowler/providers/aws/services/<service>/<check>/<check>.metadata.json`):

1. every AWS check whose `ServiceName` is `cloudtrail`, `cloudwatch` (Prowler files CloudWatch
   Logs checks under `cloudwatch` too) or `config`: the audit-log services logward models
   (41 checks in 5.46.0);
2. plus the three checks of other services that judge audit-log settings logward also judges:
   `s3_bucket_server_access_logging_enabled`, `vpc_flow_logs_enabled`,
   `kms_cmk_rotation_enabled` (44);
3. minus `cloudwatch_log_group_agentcore_data_protection_policy_enabled`, a gen-ai check on
   Bedrock AgentCore application log groups (data protection policies), not audit-log
   security, and added to Prowler only in 2025: 43 checks, the number the issue quotes.

Prowler's own "logging" category is not used: it has 82 AWS checks, most about application
logging of unrelated services (API Gateway, RDS, EKS, WAF, ...), and it misses checks logward
covers (KMS rotation, log group KMS, the trail bucket's public access and MFA delete).
`check_list(prowler_root)` re-derives the list from the installed metadata so a Prowler upgrade
that adds or removes checks is noticed (`live.py` records both).
"""

from __future__ import annotations

import json
from pathlib import Path

PROWLER_VERSION = "5.46.0"
SERVICES = ("cloudtrail", "cloudwatch", "config")
EXTRA = (
    "s3_bucket_server_access_logging_enabled",
    "vpc_flow_logs_enabled",
    "kms_cmk_rotation_enabled",
)
EXCLUDED = ("cloudwatch_log_group_agentcore_data_protection_policy_enabled",)

PROWLER_CHECKS: tuple[str, ...] = (
    # cloudtrail (15)
    "cloudtrail_bedrock_logging_enabled",
    "cloudtrail_bucket_requires_mfa_delete",
    "cloudtrail_cloudwatch_logging_enabled",
    "cloudtrail_insights_exist",
    "cloudtrail_kms_encryption_enabled",
    "cloudtrail_log_file_validation_enabled",
    "cloudtrail_logs_s3_bucket_access_logging_enabled",
    "cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
    "cloudtrail_multi_region_enabled",
    "cloudtrail_multi_region_enabled_logging_management_events",
    "cloudtrail_s3_dataevents_read_enabled",
    "cloudtrail_s3_dataevents_write_enabled",
    "cloudtrail_threat_detection_enumeration",
    "cloudtrail_threat_detection_llm_jacking",
    "cloudtrail_threat_detection_privilege_escalation",
    # cloudwatch and CloudWatch Logs (22)
    "cloudwatch_alarm_actions_alarm_state_configured",
    "cloudwatch_alarm_actions_enabled",
    "cloudwatch_changes_to_network_acls_alarm_configured",
    "cloudwatch_changes_to_network_gateways_alarm_configured",
    "cloudwatch_changes_to_network_route_tables_alarm_configured",
    "cloudwatch_changes_to_vpcs_alarm_configured",
    "cloudwatch_cross_account_sharing_disabled",
    "cloudwatch_log_group_kms_encryption_enabled",
    "cloudwatch_log_group_no_secrets_in_logs",
    "cloudwatch_log_group_not_publicly_accessible",
    "cloudwatch_log_group_retention_policy_specific_days_enabled",
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
    "cloudwatch_log_metric_filter_authentication_failures",
    "cloudwatch_log_metric_filter_aws_organizations_changes",
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
    "cloudwatch_log_metric_filter_policy_changes",
    "cloudwatch_log_metric_filter_root_usage",
    "cloudwatch_log_metric_filter_security_group_changes",
    "cloudwatch_log_metric_filter_sign_in_without_mfa",
    "cloudwatch_log_metric_filter_unauthorized_api_calls",
    # config (3)
    "config_delegated_admin_and_org_aggregator_all_regions",
    "config_recorder_all_regions_enabled",
    "config_recorder_using_aws_service_role",
    # other services (3)
    "s3_bucket_server_access_logging_enabled",
    "vpc_flow_logs_enabled",
    "kms_cmk_rotation_enabled",
)

# Prowler check -> logward policy, for the per-resource verdict comparison. The resource key
# both sides are matched on is chosen in live.py (by ARN or name, per resource type).
OVERLAP: dict[str, str] = {
    "cloudtrail_multi_region_enabled": "aws-cloudtrail-multi-region-logging",
    "cloudtrail_log_file_validation_enabled": "aws-cloudtrail-log-file-validation",
    "cloudtrail_kms_encryption_enabled": "aws-cloudtrail-kms-encryption",
    "cloudtrail_cloudwatch_logging_enabled": "aws-cloudtrail-cloudwatch-integration",
    "cloudtrail_s3_dataevents_read_enabled": "aws-cloudtrail-s3-data-events-read",
    "cloudtrail_s3_dataevents_write_enabled": "aws-cloudtrail-s3-data-events-write",
    "cloudtrail_logs_s3_bucket_access_logging_enabled": "aws-s3-trail-bucket-access-logging",
    "cloudtrail_logs_s3_bucket_is_not_publicly_accessible": "aws-s3-trail-bucket-not-public",
    "cloudtrail_bucket_requires_mfa_delete": "aws-s3-trail-bucket-mfa-delete",
    "kms_cmk_rotation_enabled": "aws-kms-log-key-rotation",
    "config_recorder_all_regions_enabled": "aws-config-recorder-all-regions",
    "vpc_flow_logs_enabled": "aws-vpc-flow-logs-enabled",
    "cloudwatch_log_group_retention_policy_specific_days_enabled": ("aws-logs-log-group-retention"),
    "cloudwatch_log_group_kms_encryption_enabled": "aws-logs-log-group-kms-encryption",
    "cloudwatch_log_metric_filter_unauthorized_api_calls": (
        "aws-monitoring-unauthorized-api-calls"
    ),
    "cloudwatch_log_metric_filter_root_usage": "aws-monitoring-root-usage",
    "cloudwatch_log_metric_filter_sign_in_without_mfa": (
        "aws-monitoring-console-signin-without-mfa"
    ),
    "cloudwatch_log_metric_filter_policy_changes": "aws-monitoring-iam-policy-changes",
    "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled": (
        "aws-monitoring-cloudtrail-changes"
    ),
    "cloudwatch_log_metric_filter_authentication_failures": (
        "aws-monitoring-console-auth-failures"
    ),
    "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk": (
        "aws-monitoring-cmk-disable-or-deletion"
    ),
    "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes": (
        "aws-monitoring-s3-bucket-policy-changes"
    ),
    "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled": (
        "aws-monitoring-config-changes"
    ),
    "cloudwatch_log_metric_filter_security_group_changes": (
        "aws-monitoring-security-group-changes"
    ),
    "cloudwatch_changes_to_network_acls_alarm_configured": "aws-monitoring-nacl-changes",
    "cloudwatch_changes_to_network_gateways_alarm_configured": (
        "aws-monitoring-network-gateway-changes"
    ),
    "cloudwatch_changes_to_network_route_tables_alarm_configured": (
        "aws-monitoring-route-table-changes"
    ),
    "cloudwatch_changes_to_vpcs_alarm_configured": "aws-monitoring-vpc-changes",
    "cloudwatch_log_metric_filter_aws_organizations_changes": (
        "aws-monitoring-organizations-changes"
    ),
}


def check_list(prowler_package: Path) -> list[str]:
    """The selection rule above applied to an installed Prowler (`.../site-packages/prowler`)."""
    found = []
    for meta in sorted(
        (prowler_package / "providers" / "aws" / "services").glob("*/*/*.metadata.json")
    ):
        data = json.loads(meta.read_text())
        check = str(data["CheckID"])
        if (data.get("ServiceName") in SERVICES or check in EXTRA) and check not in EXCLUDED:
            found.append(check)
    return found
