"""End-to-end test of the `lambda-invoke` CLI against moto (tests/moto/README.md).

Run by tests/moto/run.sh, which starts moto_server on 127.0.0.1 with
INITIAL_NO_AUTH_ACTION_COUNT=SETUP_CALLS and sets MOTO_ENDPOINT and LAMBDA_INVOKE_BIN.
The setup (IAM user, access key, role, policy, function) is made through boto3 with those first,
unauthenticated calls; every request after them, the CLI's included, has its SigV4 signature
checked by moto against the user's secret. boto3 is also used as an oracle: what it gets for the
same request tells moto's behaviour from the CLI's.
"""

import io
import json
import os
import subprocess
import unittest
import urllib.request
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# The number of boto3 calls in setUpClass, all unauthenticated: run.sh starts moto with
# INITIAL_NO_AUTH_ACTION_COUNT set to it. POSTs to /moto-api/... do not count.
SETUP_CALLS = 6

REGION = "us-east-1"
FUNCTION = "lambda-invoke-moto"
USER = "lambda-invoke-ci"
PAYLOAD = '{"hello":"moto"}'
UNKNOWN_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documentation key: no moto user has it
WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CLI_TIMEOUT_S = 60

# A policy that allows the function's calls. moto checks the name of the API operation
# ("lambda:Invoke"), not the IAM action AWS checks ("lambda:InvokeFunction"): both are listed.
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "lambda:InvokeFunction",
                "lambda:Invoke",
                "lambda:GetFunctionConfiguration",
            ],
            "Resource": "*",
        }
    ],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
HANDLER = "def handler(event, context):\n    return event\n"


def _clean_process_environment():
    """Nothing from the machine's AWS configuration or proxies may reach boto3 here."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del os.environ[name]
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["NO_PROXY"] = "127.0.0.1"


_clean_process_environment()
ENDPOINT = os.environ.get("MOTO_ENDPOINT", "")
CLI = os.environ.get("LAMBDA_INVOKE_BIN", "")


def client(service, key_id, secret):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def moto_api_post(path, document):
    request = urllib.request.Request(
        ENDPOINT + path,
        data=json.dumps(document).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.load(response)


def error_code(call):
    """The error code moto answers a boto3 call with, or None if it succeeds.

    moto answers Lambda's auth errors with a query-protocol XML document that botocore's
    rest-json parser does not read: the code is then found in the raw message.
    """
    try:
        call()
    except ClientError as e:
        error = e.response["Error"]
        for code in ("SignatureDoesNotMatch", "InvalidClientTokenId", "AccessDenied"):
            if f"<Code>{code}</Code>" in error.get("Message", ""):
                return code
        return error.get("Code")
    return None


class LambdaInvokeAgainstMoto(unittest.TestCase):
    key_id = ""
    secret = ""

    @classmethod
    def setUpClass(cls):
        if not ENDPOINT.startswith("http://127.0.0.1:") or not CLI:
            raise unittest.SkipTest("run through tests/moto/run.sh (MOTO_ENDPOINT, LAMBDA_INVOKE_BIN)")
        # The SETUP_CALLS unauthenticated calls (moto ignores these credentials).
        iam = client("iam", "setup", "setup")
        lam = client("lambda", "setup", "setup")
        iam.create_user(UserName=USER)  # 1
        key = iam.create_access_key(UserName=USER)["AccessKey"]  # 2
        role = iam.create_role(  # 3
            RoleName="lambda-invoke-moto-role", AssumeRolePolicyDocument=json.dumps(TRUST)
        )["Role"]["Arn"]
        policy = iam.create_policy(  # 4
            PolicyName="lambda-invoke-moto-invoke", PolicyDocument=json.dumps(POLICY)
        )["Policy"]["Arn"]
        iam.attach_user_policy(UserName=USER, PolicyArn=policy)  # 5
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("handler.py", HANDLER)
        lam.create_function(  # 6
            FunctionName=FUNCTION,
            Runtime="python3.11",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": code.getvalue()},
        )
        # Invoke without docker: the handler is not run, the payload is echoed.
        config = moto_api_post("/moto-api/config", {"lambda": {"use_docker": False}})
        assert config["lambda"]["use_docker"] is False, config
        cls.key_id, cls.secret = key["AccessKeyId"], key["SecretAccessKey"]
        # From here on moto must check every request: a key it does not know is refused.
        code = error_code(lambda: client("lambda", UNKNOWN_KEY_ID, WRONG_SECRET).list_functions())
        if code != "InvalidClientTokenId":
            raise AssertionError(
                f"moto's auth is not on after the setup (got {code!r}): start moto_server with "
                f"INITIAL_NO_AUTH_ACTION_COUNT={SETUP_CALLS}, the number of setup calls"
            )

    def run_cli(self, *args, key_id=None, secret=None):
        """Runs the CLI on the function with an explicit environment: the key, and nothing else
        of the machine's AWS configuration."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AWS_ACCESS_KEY_ID": key_id or self.key_id,
            "AWS_SECRET_ACCESS_KEY": secret or self.secret,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        command = [
            CLI,
            "--function-name", FUNCTION,
            "--region", REGION,
            "--endpoint-url", ENDPOINT,
            *args,
        ]
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False
        )
        # Whatever happens, the secret is never printed.
        for secret_value in (self.secret, WRONG_SECRET):
            self.assertNotIn(secret_value, result.stdout + result.stderr)
        return result

    def assert_exit(self, result, code):
        self.assertEqual(
            result.returncode,
            code,
            f"exit {result.returncode}, expected {code}\nstdout: {result.stdout}\nstderr: {result.stderr}",
        )

    # -- The right key ---------------------------------------------------------------------

    def test_boto3_oracle_invokes_with_the_right_key(self):
        lam = client("lambda", self.key_id, self.secret)
        response = lam.invoke(FunctionName=FUNCTION, Payload=PAYLOAD.encode())
        self.assertEqual(response["StatusCode"], 200)
        self.assertEqual(response["Payload"].read().decode(), PAYLOAD)

    def test_request_response_echoes_the_payload(self):
        result = self.run_cli("--payload", PAYLOAD)
        self.assert_exit(result, 0)
        self.assertEqual(result.stdout, PAYLOAD + "\n")

    def test_request_response_json(self):
        result = self.run_cli("--payload", PAYLOAD, "--json")
        self.assert_exit(result, 0)
        report = json.loads(result.stdout)
        self.assertEqual(report["status_code"], 200)
        self.assertEqual(json.loads(report["payload"]), json.loads(PAYLOAD))
        self.assertIsNone(report["function_error"])
        self.assertNotIn("error", report)

    def test_event_invocation(self):
        result = self.run_cli("--payload", PAYLOAD, "--invocation-type", "Event")
        self.assert_exit(result, 0)

    def test_event_invocation_json(self):
        result = self.run_cli("--payload", PAYLOAD, "--invocation-type", "Event", "--json")
        self.assert_exit(result, 0)
        self.assertEqual(json.loads(result.stdout)["status_code"], 202)

    # -- Wrong credentials -----------------------------------------------------------------

    def test_wrong_secret_is_signature_does_not_match(self):
        result = self.run_cli("--payload", PAYLOAD, secret=WRONG_SECRET)
        self.assert_exit(result, 4)
        self.assertIn("SignatureDoesNotMatch", result.stderr)
        self.assertIn("The request signature we calculated does not match", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_wrong_secret_json(self):
        result = self.run_cli("--payload", PAYLOAD, "--json", secret=WRONG_SECRET)
        self.assert_exit(result, 4)
        error = json.loads(result.stdout)["error"]
        self.assertEqual((error["kind"], error["exit_code"]), ("service-error", 4))
        self.assertIn("SignatureDoesNotMatch", error["message"])

    def test_unknown_key_is_invalid_client_token_id(self):
        result = self.run_cli("--payload", PAYLOAD, key_id=UNKNOWN_KEY_ID)
        self.assert_exit(result, 4)
        self.assertIn("InvalidClientTokenId", result.stderr)
        self.assertIn("The security token included in the request is invalid", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_unknown_key_json(self):
        result = self.run_cli("--payload", PAYLOAD, "--json", key_id=UNKNOWN_KEY_ID)
        self.assert_exit(result, 4)
        error = json.loads(result.stdout)["error"]
        self.assertEqual((error["kind"], error["exit_code"]), ("service-error", 4))
        self.assertIn("InvalidClientTokenId", error["message"])

    # -- moto's empty-body quirk (README.md): asserted, so a moto that fixes it is noticed ---

    def test_moto_quirk_rejects_a_signed_empty_body_invoke(self):
        # moto checks a signature over its parsed request headers instead of the empty body:
        # boto3's own, correctly signed request is refused the same way.
        lam = client("lambda", self.key_id, self.secret)
        self.assertEqual(error_code(lambda: lam.invoke(FunctionName=FUNCTION)), "SignatureDoesNotMatch")
        result = self.run_cli()  # no --payload: an empty body
        self.assert_exit(result, 4)
        self.assertIn("SignatureDoesNotMatch", result.stderr)

    def test_moto_quirk_rejects_the_signed_get_of_check_function_exists(self):
        # GetFunctionConfiguration is a GET without a body: the same quirk.
        lam = client("lambda", self.key_id, self.secret)
        self.assertEqual(
            error_code(lambda: lam.get_function_configuration(FunctionName=FUNCTION)),
            "SignatureDoesNotMatch",
        )
        result = self.run_cli("--payload", PAYLOAD, "--check-function-exists")
        self.assert_exit(result, 4)
        self.assertIn("SignatureDoesNotMatch", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
