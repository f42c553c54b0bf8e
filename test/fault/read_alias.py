"""Independent reader for the fault-injection suite: botocore (the AWS CLI v1's own client library),
straight at moto, never through the fault proxy. One long-lived process, because each `aws` command
costs about a CPU-second to start.

Reads one JSON request per line on stdin: {"function": NAME, "alias": NAME}, or {"bucket", "key"}
for an S3 object (the roll-out ledger's).
Writes one JSON reply per line: {"version", "weights", "codeSha256"}, {"body": TEXT or null}, or
{"error"}.
"""
import json
import sys

import botocore.config
import botocore.session

endpoint = sys.argv[1]
session = botocore.session.get_session()
settings = dict(
    region_name="us-east-1",
    endpoint_url=endpoint,
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
client = session.create_client("lambda", **settings)
s3 = session.create_client(
    "s3", config=botocore.config.Config(s3={"addressing_style": "path"}), **settings
)


def read_object(bucket, key):
    try:
        return {"body": s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")}
    except s3.exceptions.NoSuchKey:
        return {"body": None}


def read_alias(function, alias_name):
    alias = client.get_alias(FunctionName=function, Name=alias_name)
    version = alias["FunctionVersion"]
    config = client.get_function_configuration(FunctionName=function, Qualifier=version)
    return {
        "version": version,
        "weights": alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}),
        "codeSha256": config["CodeSha256"],
    }


for line in sys.stdin:
    try:
        request = json.loads(line)
        if "bucket" in request:
            reply = read_object(request["bucket"], request["key"])
        else:
            reply = read_alias(request["function"], request["alias"])
    except Exception as error:  # reported to the test, which fails the run with it
        reply = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
