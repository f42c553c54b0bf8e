"""Independent reader for the fault-injection suite: botocore (the AWS CLI v1's own client library),
straight at moto, never through the fault proxy. One long-lived process, because each `aws` command
costs about a CPU-second to start.

Reads one JSON request per line on stdin: {"function": NAME, "alias": NAME}.
Writes one JSON reply per line: {"version", "weights", "codeSha256"} or {"error"}.
"""
import json
import sys

import botocore.session

endpoint = sys.argv[1]
session = botocore.session.get_session()
client = session.create_client(
    "lambda",
    region_name="us-east-1",
    endpoint_url=endpoint,
    aws_access_key_id="test",
    aws_secret_access_key="test",
)

for line in sys.stdin:
    try:
        request = json.loads(line)
        alias = client.get_alias(FunctionName=request["function"], Name=request["alias"])
        version = alias["FunctionVersion"]
        config = client.get_function_configuration(FunctionName=request["function"], Qualifier=version)
        reply = {
            "version": version,
            "weights": alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}),
            "codeSha256": config["CodeSha256"],
        }
    except Exception as error:  # reported to the test, which fails the run with it
        reply = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
