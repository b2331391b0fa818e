"""What SAM makes of template.yaml's published version, for VersionPublishingTest.

Reads {"template": PATH, "function": LOGICAL_ID, "runs": [{"parameters": {...}, "codeUri": "s3://..."}]}
on stdin; for each run, transforms the template with samtranslator (as `sam deploy` has CloudFormation
do) and prints, as one JSON document on stdout:
  {"parameters": [names of the template's parameters the function's properties refer to],
   "runs": [{"versions": {LOGICAL_ID: DESCRIPTION resolved as CloudFormation would}}]}
Exit 3 with a message on stderr when samtranslator cannot be imported.
"""
import copy
import json
import os
import re
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
try:
    import yaml
    from samtranslator.translator.transform import transform
except ImportError as error:  # the Java test turns this into a failure that says what to install
    print("cannot import samtranslator/yaml (%s): pip install aws-sam-translator pyyaml, or cfn-lint, which brings both" % error,
          file=sys.stderr)
    sys.exit(3)


class NoManagedPolicies:
    """The translator asks for AWS managed policy ARNs only for Policies: names; the template has none."""

    def load(self):
        return {}


def refs(node, found):
    """Every parameter a Ref or ${Name} of node names."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found.update(re.findall(r"\$\{([A-Za-z0-9:]+)\}", text))
                if not isinstance(value, str):
                    refs(value[1], found)
            else:
                refs(value, found)
    elif isinstance(node, list):
        for item in node:
            refs(item, found)
    return found


def resolve(value, parameters):
    """A Description as CloudFormation resolves it: a string, a Ref, or an Fn::Sub of parameters."""
    if isinstance(value, str) or value is None:
        return value
    if "Ref" in value:
        return str(parameters[value["Ref"]])
    if "Fn::Sub" in value:
        return re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: str(parameters[m.group(1)]), value["Fn::Sub"])
    raise ValueError("cannot resolve %r" % (value,))


request = json.load(sys.stdin)
with open(request["template"]) as file:
    template = yaml.safe_load(file)
declared = template["Parameters"]
function = template["Resources"][request["function"]]
used = sorted(name for name in refs(function["Properties"], set()) if name in declared)

runs = []
for run in request["runs"]:
    copied = copy.deepcopy(template)
    for resource in copied["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = run["codeUri"]
    parameters = {name: spec.get("Default", "") for name, spec in declared.items()}
    parameters.update(run["parameters"])
    output = transform(copied, run["parameters"], NoManagedPolicies())
    versions = {logical_id: resolve(resource.get("Properties", {}).get("Description"), parameters)
                for logical_id, resource in output["Resources"].items() if resource["Type"] == "AWS::Lambda::Version"}
    runs.append({"versions": versions})
json.dump({"parameters": used, "runs": runs}, sys.stdout)
