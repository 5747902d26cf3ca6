"""Metric filter patterns that CIS AWS Foundations Benchmark v3.0.0 section 4 requires.

Each pattern is the text of the benchmark's audit step ("Ensure the output ... contains the
following"), checked against these transcriptions of v3.0.0:

* mitre/aws-foundations-cis-baseline, controls/aws-foundations-cis-4.*.rb (CIS XCCDF text);
* prowler-cloud/prowler, prowler/compliance/aws/cis_3.0_aws.json;
* turbot/steampipe-mod-aws-compliance, cis_v300/section_4.sp (numbering 4.1 to 4.16, where
  4.16 is "Security Hub is enabled" and has no filter pattern).

Security Hub ids come from the AWS Security Hub user guide, cloudwatch-controls.md
(CloudWatch.1 to CloudWatch.14). Security Hub checks the CIS v1.2.0/v1.4.0 text, which equals
v3.0.0 except for 4.1 and 4.2 (see the notes there); there is no Security Hub control for 4.15.
"""

from __future__ import annotations

from dataclasses import dataclass

BENCHMARK = "CIS Amazon Web Services Foundations Benchmark v3.0.0"


@dataclass(frozen=True)
class CisPattern:
    """One section-4 control: its number, title and the filter pattern text as published."""

    slug: str
    control: str
    title: str
    pattern: str
    security_hub: str | None
    alternatives: tuple[str, ...] = ()
    """Other texts the v3.0.0 audit step itself names as acceptable."""

    @property
    def accepted(self) -> tuple[str, ...]:
        """The published pattern first, then the alternatives the benchmark also accepts."""
        return (self.pattern, *self.alternatives)


def _or_event_names(*names: str) -> str:
    # Only for the alternatives below; the main patterns are kept verbatim on purpose.
    return " || ".join(f"($.eventName = {name})" for name in names)


_PATTERNS = (
    CisPattern(
        slug="unauthorized-api-calls",
        control="4.1",
        title="Ensure unauthorized API calls are monitored",
        # v3.0.0 and v4.0.0 mix || and &&; since && binds tighter, the exclusions apply only to
        # AccessDenied*. Earlier texts differ:
        # - v1.2.0 3.1 (Security Hub CloudWatch.2 checks this one):
        #   {($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}
        #   which is broader, so it covers the v3.0.0 pattern.
        # - An all-|| text, {... || ($.sourceIPAddress!="delivery.logs.amazonaws.com") ||
        #   ($.eventName!="HeadBucket")}, appears in Prowler's cis_3.0_aws.json and older
        #   scanners; with || it matches almost every event, so it also "covers" but is noise.
        pattern=(
            '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
            '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'
        ),
        security_hub="CloudWatch.2",
    ),
    CisPattern(
        slug="console-signin-without-mfa",
        control="4.2",
        title="Ensure management console sign-in without MFA is monitored",
        # v1.0.0/v1.1.0 3.2 used $.userIdentity.sessionContext.attributes.mfaAuthenticated
        # != "true" && $.userIdentity.invokedBy = "signin.amazonaws.com"; that does not cover
        # this one. Security Hub CloudWatch.3 checks the SSO variant below.
        pattern='{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        security_hub="CloudWatch.3",
        alternatives=(
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
            '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
        ),
    ),
    CisPattern(
        slug="root-usage",
        control="4.3",
        title="Ensure usage of 'root' account is monitored",
        pattern=(
            '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
            '$.eventType != "AwsServiceEvent" }'
        ),
        security_hub="CloudWatch.1",
    ),
    CisPattern(
        slug="iam-policy-changes",
        control="4.4",
        title="Ensure IAM policy changes are monitored",
        pattern=(
            "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||"
            "($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||"
            "($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||"
            "($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||"
            "($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||"
            "($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||"
            "($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||"
            "($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"
        ),
        security_hub="CloudWatch.4",
    ),
    CisPattern(
        slug="cloudtrail-changes",
        control="4.5",
        title="Ensure CloudTrail configuration changes are monitored",
        pattern=(
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
            "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
            "($.eventName = StopLogging) }"
        ),
        security_hub="CloudWatch.5",
    ),
    CisPattern(
        slug="console-auth-failures",
        control="4.6",
        title="Ensure AWS Management Console authentication failures are monitored",
        pattern='{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
        security_hub="CloudWatch.6",
    ),
    CisPattern(
        slug="cmk-disable-or-deletion",
        control="4.7",
        title="Ensure disabling or scheduled deletion of customer created CMKs is monitored",
        pattern=(
            "{($.eventSource = kms.amazonaws.com) && "
            "(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
        ),
        security_hub="CloudWatch.7",
    ),
    CisPattern(
        slug="s3-bucket-policy-changes",
        control="4.8",
        title="Ensure S3 bucket policy changes are monitored",
        pattern=(
            "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
            "($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || "
            "($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || "
            "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
            "($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"
        ),
        security_hub="CloudWatch.8",
    ),
    CisPattern(
        slug="config-changes",
        control="4.9",
        title="Ensure AWS Config configuration changes are monitored",
        pattern=(
            "{ ($.eventSource = config.amazonaws.com) && "
            "(($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||"
            "($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"
        ),
        security_hub="CloudWatch.9",
    ),
    CisPattern(
        slug="security-group-changes",
        control="4.10",
        title="Ensure security group changes are monitored",
        pattern=(
            "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
            "($.eventName = AuthorizeSecurityGroupEgress) || "
            "($.eventName = RevokeSecurityGroupIngress) || "
            "($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || "
            "($.eventName = DeleteSecurityGroup) }"
        ),
        security_hub="CloudWatch.10",
    ),
    CisPattern(
        slug="nacl-changes",
        control="4.11",
        title="Ensure Network Access Control Lists (NACL) changes are monitored",
        pattern=(
            "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
            "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
            "($.eventName = ReplaceNetworkAclEntry) || "
            "($.eventName = ReplaceNetworkAclAssociation) }"
        ),
        security_hub="CloudWatch.11",
    ),
    CisPattern(
        slug="network-gateway-changes",
        control="4.12",
        title="Ensure changes to network gateways are monitored",
        pattern=(
            "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
            "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
            "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
        ),
        security_hub="CloudWatch.12",
    ),
    CisPattern(
        slug="route-table-changes",
        control="4.13",
        title="Ensure route table changes are monitored",
        pattern=(
            "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || "
            "($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || "
            "($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || "
            "($.eventName = DisassociateRouteTable) }"
        ),
        security_hub="CloudWatch.13",
        # Prowler's transcription of the v3.0.0 audit step prefixes an eventSource test (line
        # breaks of the PDF removed here); MITRE's has none. With && binding tighter it only
        # narrows CreateRoute, so a filter written that way is accepted as the benchmark's own.
        alternatives=(
            "{($.eventSource = ec2.amazonaws.com) && "
            + _or_event_names(
                "CreateRoute",
                "CreateRouteTable",
                "ReplaceRoute",
                "ReplaceRouteTableAssociation",
                "DeleteRouteTable",
                "DeleteRoute",
                "DisassociateRouteTable",
            )
            + " }",
        ),
    ),
    CisPattern(
        slug="vpc-changes",
        control="4.14",
        title="Ensure VPC changes are monitored",
        pattern=(
            "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || "
            "($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || "
            "($.eventName = CreateVpcPeeringConnection) || "
            "($.eventName = DeleteVpcPeeringConnection) || "
            "($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || "
            "($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || "
            "($.eventName = EnableVpcClassicLink) }"
        ),
        security_hub="CloudWatch.14",
    ),
    CisPattern(
        slug="organizations-changes",
        control="4.15",
        title="Ensure AWS Organizations changes are monitored",
        pattern=(
            '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake")'
            ' || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || '
            '($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || '
            '($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || '
            '($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
            '($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || '
            '($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization")'
            ' || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || '
            '($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || '
            '($.eventName = "UpdateOrganizationalUnit")) }'
        ),
        security_hub=None,
    ),
)

CIS_PATTERNS: dict[str, CisPattern] = {p.slug: p for p in _PATTERNS}
"""Section-4 patterns of the benchmark, keyed by slug, in control order."""
