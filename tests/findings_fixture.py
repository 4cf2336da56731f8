"""ONE shared set of findings every reporter is tested against (STYLE.md: one fixture for every formatter).

It covers what a report can hold: violations with and without a remediation snippet, an attribute-level
finding, unknown and compliant results, a parse error, a live finding with no file, checkov findings
(unmapped, and one folded into a specdrift finding), a finding accepted by the baseline and one whose
acceptance expired. Messages carry the characters each format must escape.
"""

from __future__ import annotations

from datetime import datetime, timezone

from scanner.model import PARSE_ERROR_POLICY, Acceptance, Finding, Remediation, Severity, Status
from scanner.policy.pack import Parameter, Policy
from scanner.report import Report

TF = "infra/db/main.tf"
K8S = "deploy/k8s/api.yaml"
CFN = "aws/stack.yaml"
BROKEN = "deploy/k8s/broken.yaml"


def _policy(pid: str, title: str, severity: Severity, tags: tuple[str, ...], **extra: object) -> Policy:
    return Policy(pid, (pid,), title, severity, frozenset({"thing"}), {"fact": "x", "op": "exists"},
                  tags=tags, guide=f"the guide's sentence for {pid}", **extra)  # type: ignore[arg-type]


POLICIES = [
    _policy("ME-DB-02", "Automated database backups are kept at least 30 days", Severity.HIGH, ("database",),
            parameters={"min_retention": Parameter("min_retention", "30d", "duration", "shortest retention")},
            remediation={"description": "Keep automated backups for at least {min_retention}."}),
    _policy("ME-K8S-03", "Container images are pinned to a version tag or digest", Severity.MEDIUM, ("kubernetes",)),
    _policy("ME-NET-02", "Databases have no public endpoint", Severity.CRITICAL, ("network",)),
    _policy("ME-K8S-02", "API servers run at least 3 replicas", Severity.HIGH, ("kubernetes",)),
]

FINDINGS = [
    Finding("ME-DB-02", ("ME-DB-02",), POLICIES[0].title, Severity.HIGH, Status.VIOLATES,
            "automated backups are kept 7d; the guide requires at least 30d", "google_sql_database_instance.pg",
            "google_sql_database_instance", "gcp", TF, 12, 30, "backup_retention", "7d", ">= 30d",
            Remediation("terraform", 'resource "google_sql_database_instance" "pg" {\n  retained_backups = 30\n}',
                        "Keep automated backups for at least 30d.")),
    Finding("ME-K8S-03", ("ME-K8S-03",), POLICIES[1].title, Severity.MEDIUM, Status.VIOLATES,
            "container image repo/api:latest is not pinned | see 100% of: pods, now", "prod/Deployment/api",
            "Deployment", "kubernetes", K8S, 19, None, "containers[api].image", "repo/api:latest",
            "a version tag or digest", Remediation("kubernetes", "kubectl set image deployment/api api=repo/api:1.2"),
            also_reported_as=("CKV_K8S_14", "CKV_K8S_43")),
    Finding("ME-NET-02", ("ME-NET-02",), POLICIES[2].title, Severity.CRITICAL, Status.UNKNOWN,
            "publicly_accessible is not declared", "RDSCluster", "AWS::RDS::DBCluster", "aws", CFN, 53,
            fact="publicly_accessible", expected="false"),
    Finding("ME-K8S-02", ("ME-K8S-02",), POLICIES[3].title, Severity.HIGH, Status.COMPLIES, "replicas is 3",
            "prod/Deployment/api", "Deployment", "kubernetes", K8S, 8, fact="replicas", observed=3, expected=">= 3"),
    Finding(PARSE_ERROR_POLICY, (), "File could not be parsed", Severity.HIGH, Status.ERROR,
            'mapping values are not allowed here: "<a & b>"', BROKEN, "file:kubernetes", "", BROKEN, 4,
            origin=BROKEN),
    Finding("ME-NET-02", ("ME-NET-02",), POLICIES[2].title, Severity.CRITICAL, Status.VIOLATES,
            "the database accepts connections on a public endpoint", "arn:aws:rds:eu-west-1:123456789012:db:pg",
            "AWS::RDS::DBInstance", "aws", None, None, source="live", origin="123456789012/eu-west-1/rds"),
    Finding("CKV_GCP_26", (), "Ensure that VPC Flow Logs is enabled", Severity.MEDIUM, Status.VIOLATES,
            "checkov CKV_GCP_26: Ensure that VPC Flow Logs is enabled (unmapped: enforces no requirement of the "
            "catalogue)", "google_compute_subnetwork.private", "google_compute_subnetwork", "terraform", TF, 40, 52,
            source="checkov", origin="checkov terraform"),
    Finding("ME-DB-02", ("ME-DB-02",), POLICIES[0].title, Severity.HIGH, Status.VIOLATES,
            "automated backups are kept 14d; the guide requires at least 30d", "google_sql_database_instance.replica",
            "google_sql_database_instance", "gcp", TF, 70, fact="backup_retention", observed="14d",
            expected=">= 30d", acceptance=Acceptance("dba-team", "replica rebuilt nightly", "2999-12-31")),
    Finding("ME-K8S-03", ("ME-K8S-03",), POLICIES[1].title, Severity.MEDIUM, Status.VIOLATES,
            "container image repo/worker:latest is not pinned", "prod/Deployment/worker", "Deployment", "kubernetes",
            K8S, 61, fact="containers[worker].image", observed="repo/worker:latest",
            acceptance=Acceptance("platform", "migration", "2020-01-31", expired=True)),
]


def sample_report() -> Report:
    return Report(list(FINDINGS), list(POLICIES), {TF: "terraform", K8S: "kubernetes", CFN: "cloudformation",
                                                   BROKEN: "kubernetes"}, 7,
                  datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc), 0.25)


def reported() -> list[Finding]:
    """What CI formats report: everything not compliant."""
    return [f for f in FINDINGS if f.status != Status.COMPLIES]
