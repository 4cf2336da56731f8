"""Literal credentials, precisely: what is a secret written in a file and what only names, types or points at one.

One table, (text as written, format, expected): ``"literal"`` when ME-SEC-01 must report a literal credential,
``None`` when nothing in the text is a literal credential (a type, a reference, an expression, a flag, a path,
an environment-variable name, an empty value, a template marker).
"""

from __future__ import annotations

import base64

import pytest

from scanner.loaders.secrets import detect


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _secret(data: str, *, key: str = "data") -> str:
    return f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\n{key}:\n{data}"


NOT_SECRETS = [
    # Terraform type constraints
    ('variable "db_password" { type = string }\n', "terraform"),
    ('variable "db_password" {\n  type      = string\n  sensitive = true\n}\n', "terraform"),
    ('variable "creds" {\n  type = object({\n    password = string\n  })\n}\n', "terraform"),
    ('variable "creds" {\n  type = object({ password = string, api_key = optional(string) })\n}\n', "terraform"),
    ("  password = string\n", "terraform"),
    ("  password = optional(string, null)\n", "terraform"),
    ("  passwords = map(string)\n", "terraform"),
    # Terraform references and expressions
    ("  password = var.x\n", "terraform"),
    ("  password = r.password\n", "terraform"),
    ("  password = aws_db_instance.x.password\n", "terraform"),
    ("  password = local.y\n", "terraform"),
    ("  password = each.value\n", "terraform"),
    ("  password = each.value.password\n", "terraform"),
    ("  password = data.aws_ssm_parameter.p.value\n", "terraform"),
    ("  password = random_password.x.result\n", "terraform"),
    ("  password = random_password.x[0].result\n", "terraform"),
    ('  password = jsondecode(data.aws_secretsmanager_secret_version.s.secret_string)["password"]\n', "terraform"),
    ("  password = try(var.password, null)\n", "terraform"),
    ("  password = var.create ? random_password.x[0].result : var.password\n", "terraform"),
    ('  password = "${var.password}"\n', "terraform"),
    ('  password = "${random_password.db.result}"\n', "terraform"),
    ("  master_password = null\n", "terraform"),
    ('  password = ""\n', "terraform"),
    ('  connection { password = self.password }\n', "terraform"),
    # CloudFormation, ARM, Kubernetes references
    ("      MasterUserPassword: !Ref DBPassword\n", "cloudformation"),
    # every intrinsic function's short form: a condition named after a secret is no secret (widdix's HasSecret)
    ("Conditions:\n  HasSecret: !Not [!Equals [!Ref ParentSecretStack, '']]\n", "cloudformation"),
    ("Conditions:\n  IsSecretSet: !Equals [!Ref SecretArn, '']\n", "cloudformation"),
    ("Conditions:\n  HasSecretAndKey: !And [!Condition HasSecret, !Condition HasKey]\n", "cloudformation"),
    ("      SecretArns: !Split [',', !ImportValue Secrets]\n", "cloudformation"),
    ("      MasterUserPassword: '{{resolve:secretsmanager:db:SecretString:password}}'\n", "cloudformation"),
    ("      MasterUserPassword: !Sub '{{resolve:secretsmanager:${DBSecret}:SecretString:password}}'\n",
     "cloudformation"),
    ('{"Resources": {"Db": {"Properties": {"MasterUserPassword": {"Ref": "DBPassword"}}}}}', "cloudformation"),
    ('{"adminPassword": "[parameters(\'adminPassword\')]"}', "arm"),
    ("        env:\n          - name: DB_PASSWORD\n            valueFrom:\n              secretKeyRef:\n"
     "                name: db\n                key: password\n", "kubernetes"),
    ('{"env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]}', "kubernetes"),
    # an object member in inline code (a Lambda's ZipFile): an identifier followed by a separator is a variable
    ("    ZipFile: |\n      await asg.send(new CompleteLifecycleActionCommand({\n"
     "        LifecycleActionToken: lcaToken,\n        LifecycleActionResult: 'CONTINUE'\n      }));\n",
     "cloudformation"),
    ("        nextToken: nextToken,\n", "cloudformation"),
    # ... and, inside a Lambda's inline source, the last member of an object (no separator after it)
    ("      Code:\n        ZipFile: |\n          send({\n            LifecycleActionToken: lcaToken\n          });\n",
     "cloudformation"),
    ("  token: this.token;\n", ""),
    # durations, booleans, numbers used as flags
    ("token: 30s\n", ""),
    ('  token_validity = "24h"\n', "terraform"),
    ("  password_rotation_period = 30d\n", ""),
    ("password: true\n", ""),
    ("  password_enabled = false\n", "terraform"),
    ("require_password: 1\n", ""),
    ("  password_reuse_prevention = 24\n", "terraform"),
    ("  token_expiry_seconds = 86400\n", "terraform"),
    ("  max_password_age = 90\n", "terraform"),
    # file paths
    ("password: /etc/secrets/password\n", ""),
    ('  secret = "./password.txt"\n', "terraform"),
    ("DB_PASSWORD=/run/secrets/db_password\n", "plaintext"),
    ("token: ~/.config/gh/token\n", ""),
    ("api_key: ../keys/api.key\n", ""),
    # environment-variable names
    ("password: DB_PASSWORD\n", ""),
    ('  password = "$DB_PASSWORD"\n', "terraform"),
    ("password: ${DB_PASSWORD}\n", ""),
    ("password: '%DB_PASSWORD%'\n", ""),
    # empty values
    ('password: ""\n', ""),
    ("password: ''\n", ""),
    ("DB_PASSWORD=\n", "plaintext"),
    # template markers (a pipeline replaces them; nothing would deploy them)
    ("password: <password>\n", ""),
    ("password: REPLACE_ME\n", ""),
    ("password: __DB_PASSWORD__\n", ""),
    ("password: '#{DbPassword}#'\n", ""),
    ("password: '{{ .Values.password }}'\n", ""),
    ("password: xxxxxxxx\n", ""),
    ("password: '********'\n", ""),
    ('  password = "********-****-****-****-************"\n', "plaintext"),  # a masked GUID to fill in
    ("client_secret: xxxx-xxxx-xxxx\n", ""),
    # shell command substitution
    ("  ac_pwd=`pwd`\n", "shell"),
    # names of permissions and scopes, not secrets
    ('  secret_permissions = ["Get", "List", "Set"]\n', "terraform"),
    ("token_scopes: [repo, read:org]\n", ""),
    # GitHub Actions permissions, CloudFormation parameter labels, titles
    ("permissions:\n  contents: read\n  id-token: write\n", ""),
    ("Metadata:\n  AWS::CloudFormation::Interface:\n    ParameterLabels:\n      WPAdminPassword:\n"
     "        default: Admin Password\n", "cloudformation"),
    ("  GH_AW_TOKEN_USAGE_SUMMARY_TITLE: Threat Detection Token Usage\n", ""),
    # Azure quickstart markers, DSC protected settings, code and factory references
    ('{"adminPassword": {"value": "GEN-PASSWORD"}}', "arm"),
    ('{"Password": "PrivateSettingsRef:AdminPassword"}', "arm"),
    ("            lifecycleActionToken=snsMessage['LifecycleActionToken']\n", ""),
    ("TokenSuffix = $GlobalVariablesObject | Select-Object -ExpandProperty tokenSuffix\n", ""),
    ("encryption_key: $kms_keys:billing-0/ew1/bigquery\n", ""),
    # a file name
    ("GOOGLE_CREDENTIALS: cicd-sa-credentials.json\n", ""),
    ("private_key: server.key\n", ""),
    ("secretNamespace: glusterfs\n", ""),
    ('{"adminPassword": {"value": "#####"}}', "arm"),
    # a documentation placeholder: one character repeated (after a short vendor prefix), dashes between
    ("access_key: SCWXXXXXXXXXXXXXXXXX\n", ""),
    ("secret_key: 11111111-1111-1111-1111-111111111111\n", ""),
    ("api_token: 0000000000000000\n", ""),
    ('{"label": {"password": "Administrator Password", "confirmPassword": "Confirm password"}}', "arm"),
    ('  openshift_cloudprovider_azure_client_secret=\\"{{ aadClientSecret }}\\"\n', "shell"),
    ("    SecretRotationLambdaSG = event['ResourceProperties']['SecretRotationLambdaSG']\n", ""),
    ("password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231386\n", ""),
    # names of a key inside a Secret, not values
    ("existingSecretPasswordKey: password\n", ""),
    ("auth:\n  secretKeys:\n    adminPasswordKey: admin-password\n", ""),
]

LITERALS = [
    ('  password = "hunter2-hunter2"\n', "terraform"),
    ('  password = "db"\n', "terraform"),
    ('variable "db_password" {\n  type    = string\n  default = "a-default-pw"\n}\n', "terraform"),
    ("password: hunter2\n", ""),
    ("password: changeme,\n", ""),  # a well-known password stays a literal, separator or not
    ("      Code:\n        ZipFile: |\n          connect({\n            password: 'hunter2'\n          });\n",
     "cloudformation"),  # quoted in the inline source: a literal
    ("DB_PASSWORD=hunter2\n", "plaintext"),
    ("export PGPASSWORD=hunter2\n", "shell"),
    ("password: '12345678'\n", ""),
    ("password: 12345678\n", ""),
    # a well-known placeholder that would deploy as it is, is a literal credential
    ("password: changeme\n", ""),
    ('  password = "changeme"\n', "terraform"),
    ("password: CHANGE_ME\n", ""),
    ("password: password\n", ""),
    # repeated characters inside a real-looking value are not a placeholder
    ("password: aaaaaaaa1\n", ""),
    ("secret_key: 11111111-1111-1111-1111-111111111112\n", ""),
    # paths and durations are told apart from passwords that only look a little like them
    ("password: Pa55/word\n", ""),
    # a kustomize secretGenerator's literals
    ("secretGenerator:\n  - name: db\n    literals:\n      - password=hunter2\n", ""),
    ("password: 30seconds-of-fame\n", ""),
    # list and map values are searched
    ('  users = [{ name = "app", password = "hunter2" }]\n', "terraform"),
    ('  users = [\n    { name = "app", password = "hunter2" },\n  ]\n', "terraform"),
    ('  tags = { password = "hunter2" }\n', "terraform"),
    ('  tags = {\n    "db_password" = "hunter2"\n  }\n', "terraform"),
    ("users:\n  - name: app\n    password: hunter2\n", ""),
    ('  passwords = ["hunter2", var.other]\n', "terraform"),
    ("tokens: [ghx-token-1, ghx-token-2]\n", ""),
    ("api_keys:\n  - first-key-literal\n  - second-key-literal\n", ""),
    ("env: [{name: DB_PASSWORD, value: hunter2}]\n", "kubernetes"),
    ("        env:\n          - name: DB_PASSWORD\n            value: hunter2\n", "kubernetes"),
    ('{"env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}', "kubernetes"),
    ('{"users": [{"name": "app", "password": "hunter2"}]}', ""),
    # a Kubernetes Secret's data (base64-decoded) and stringData
    (_secret(f"  password: {_b64('hunter2')}\n"), "kubernetes"),
    (_secret(f"  DATABASE_URL: {_b64('postgres://app:hunter2@db:5432/app')}\n"), "kubernetes"),
    (_secret(f"  config.yaml: {_b64('db:' + chr(10) + '  password: hunter2' + chr(10))}\n"), "kubernetes"),
    (_secret(f"  tls.key: {_b64('-----BEGIN RSA PRIVATE KEY-----' + chr(10) + 'MIIEow' + chr(10))}\n"),
     "kubernetes"),
    (_secret("  .dockerconfigjson: " + _b64('{"auths": {"ghcr.io": {"username": "u", "password": "hunter2"}}}')
             + "\n"), "kubernetes"),
    (_secret("  password: hunter2\n", key="stringData"), "kubernetes"),
    (_secret("  DATABASE_URL: postgres://app:hunter2@db/app\n", key="stringData"), "kubernetes"),
    (_secret("  config.yaml: |\n    db:\n      password: hunter2\n", key="stringData"), "kubernetes"),
    # kind after data: the document is a Secret all the same
    (f"apiVersion: v1\ndata:\n  DATABASE_URL: {_b64('mysql://u:hunter2@h/d')}\nkind: Secret\n", "kubernetes"),
    ('{"apiVersion": "v1", "kind": "Secret", "data": {"DATABASE_URL": "'
     + _b64("postgres://app:hunter2@db/app") + '"}}', "kubernetes"),
]


@pytest.mark.parametrize(("text", "fmt", "expected"),
                         [(t, f, None) for t, f in NOT_SECRETS] + [(t, f, "literal") for t, f in LITERALS])
def test_literal_credentials_precisely(text: str, fmt: str, expected: str | None) -> None:
    literals = [c for c in detect(text, fmt) if c.literal]
    assert ("literal" if literals else None) == expected, detect(text, fmt)


def test_a_non_secret_key_of_a_configmap_is_not_decoded() -> None:
    # Only a Secret's data is base64; a ConfigMap's data is text, and an opaque value under it is not a secret.
    text = f"apiVersion: v1\nkind: ConfigMap\ndata:\n  DATABASE_URL: {_b64('postgres://app:hunter2@db/app')}\n"
    assert [c for c in detect(text, "kubernetes") if c.literal] == []


def test_a_secret_data_value_is_reported_at_its_line_and_shown_masked() -> None:
    text = _secret(f"  username: {_b64('app')}\n  DATABASE_URL: {_b64('postgres://app:Hunter2-Hunter2@db/app')}\n")
    found = [c for c in detect(text, "kubernetes") if c.literal]
    assert [(c.key, c.line) for c in found] == [("DATABASE_URL", 8)]
    assert "Hunter2-Hunter2" not in found[0].shown


@pytest.mark.parametrize("text", [
    "Password: {\"Ref\": \"DBPassword\"}\n", "password: {{ .Values.password }}\n",
    "MasterUserPassword: {Ref: DBPassword}\n",
])
def test_a_reference_written_inline_is_still_reported_as_a_reference(text: str) -> None:
    found = detect(text, "cloudformation")
    assert [c.literal for c in found] == [False], found


@pytest.mark.parametrize("value, literal", [
    ("!If [IsNew, !Ref \"AWS::NoValue\", !Join ['', ['{{resolve:secretsmanager:', !Ref S, ':SecretString:pw}}']]]",
     False),
    ("!Ref DBPassword", False),
    ("'hunter2hunter2'", True),
])
def test_a_value_on_the_line_after_its_key_is_judged(value: str, literal: bool) -> None:
    """``MasterUserPassword:`` with its value (a CloudFormation tag or a quoted scalar) on the next line."""
    text = f"Resources:\n  Db:\n    Properties:\n      MasterUserPassword:\n        {value}\n      Port: 5432\n"
    found = detect(text, "cloudformation")
    assert [(c.key, c.line, c.literal) for c in found] == [("MasterUserPassword", 5, literal)], found


def test_a_json_credential_is_reported_at_its_own_line() -> None:
    text = '{"items": [\n  {"name": "replica",\n   "token": "replica"}\n]}'
    assert [(c.key, c.line) for c in detect(text) if c.literal] == [("token", 3)]


def test_an_arm_parameter_value_is_reported_at_its_parameter() -> None:
    text = ('{\n "parameters": {\n  "userName": {\n   "value": "hdiuser"\n  },\n  "sshPassword": {\n'
            '   "value": "Hdi-Password-1"\n  }\n }\n}')
    assert [(c.key, c.line) for c in detect(text, "arm") if c.literal] == [("sshPassword", 7)]


def test_inline_pairs_are_reported_by_their_own_key() -> None:
    found = detect('  users = [{ name = "app", password = "hunter2" }, { name = "b", api_key = var.k }]\n',
                   "terraform")
    assert {(c.key, c.literal) for c in found} == {("password", True), ("api_key", False)}
