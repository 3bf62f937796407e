"""Prints template.yaml after the SAM transform, as JSON: what CloudFormation would deploy.

    transform_template.py [TEMPLATE]      (default: template.yaml)

Uses aws-sam-translator (which cfn-lint brings) offline: no AWS call is made. Managed policies are not looked up;
the template's policies are inline statements. Local CodeUri values become an S3 location, as `sam package` makes
them.
"""

import json
import os
import sys

from cfnlint.decode import decode
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    def load(self):
        return {}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "template.yaml"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template, matches = decode(path)
    if matches:
        for match in matches:
            print(match, file=sys.stderr)
        sys.exit(1)
    artifact = "s3://upload-edge-artifacts/upload-edge-lambda.zip"
    template.get("Globals", {}).get("Function", {})["CodeUri"] = artifact
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function" and "CodeUri" in resource.get("Properties", {}):
            resource["Properties"]["CodeUri"] = artifact
    transformed = transform(template, {}, NoManagedPolicies())
    print(json.dumps(transformed, default=str, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
