"""IAM in the simulation: principals with a given policy, and their calls judged with moto's own evaluator.

moto's access control (INITIAL_NO_AUTH_ACTION_COUNT) is one switch for the whole server: once on, every
key must be an IAM user's, the seeding's and every test's "testing" key included, and it judges every
call against Resource "*", so a policy scoped to route tables or instances (as the IAM policy page writes
it) denies everything. The layer therefore judges here: a call signed with the key of an IAM user or of
an assumed role is evaluated with moto's `IAMPolicy` for every resource the call touches (the ARNs the
Service Authorization Reference names for the action); any other key is the account's root and may do
everything, as the seeding and the simulation's own "testing" key always did.
"""

import json
from xml.sax.saxutils import escape

from webui.awssim.topology import root_client

ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}  # AWS answers it whatever the policies say
POLICY_NAME = "ClusterWebUI"
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# S3 operations whose IAM action has another name.
S3_ACTIONS = {
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "HeadObject": "GetObject",
    "ListBuckets": "ListAllMyBuckets",
}


def create_principal(endpoint_url: str, name: str, policy: dict | str, *, role: bool = False, region: str) -> dict:
    """An IAM user (the console) or a role assumed as an instance role would be (a server) whose only policy is
    `policy`; returns its credentials: access_key_id, secret_access_key, session_token (roles), arn."""
    iam = root_client("iam", endpoint_url, region)
    document = policy if isinstance(policy, str) else json.dumps(policy)
    if role:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=document)
        made = root_client("sts", endpoint_url, region).assume_role(RoleArn=arn, RoleSessionName=name)
        creds = made["Credentials"]
        return {
            "access_key_id": creds["AccessKeyId"],
            "secret_access_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
            "arn": made["AssumedRoleUser"]["Arn"],
        }
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName=POLICY_NAME, PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"], "arn": arn}


def set_policy(endpoint_url: str, name: str, policy: dict | str, *, role: bool = False, region: str) -> None:
    """Replace the principal's policy (what the IAM policy page shows now)."""
    iam = root_client("iam", endpoint_url, region)
    document = policy if isinstance(policy, str) else json.dumps(policy)
    if role:
        iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=document)
    else:
        iam.put_user_policy(UserName=name, PolicyName=POLICY_NAME, PolicyDocument=document)


def principal(account: str, access_key: str, session_token: str | None):
    """The IAM user or assumed role whose key this is (moto's own lookup), or None for the root key."""
    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key

    headers = {"X-Amz-Security-Token": session_token} if session_token else {}
    try:
        return create_access_key(account_id=account, partition="aws", access_key_id=access_key, headers=headers)
    except CreateAccessKeyFailure as failure:
        if failure.reason == "InvalidToken":
            return False  # a known key with a wrong session token: refused
        return None
    except KeyError:  # an account moto has not seen yet
        return None


def judge(found, action: str, resources: list[str]) -> str | None:
    """None when every resource is allowed; else the first resource denied."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if action in ALWAYS_ALLOWED:
        return None
    policies = [IAMPolicy(p) for p in found.collect_policies()]
    for resource in resources or ["*"]:
        results = [p.is_action_permitted(action, resource) for p in policies]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            return resource
    return None


def resources(service: str, action: str, params: dict, *, region: str, account: str) -> list[str]:
    """The ARNs a call acts on, as IAM judges it (Service Authorization Reference); ["*"] where none applies."""

    def ec2(kind, ids):
        return [f"arn:aws:ec2:{region}:{account}:{kind}/{i}" for i in ids if i]

    def listed(prefix):
        return [v for k, v in sorted(params.items()) if k == prefix or k.startswith(prefix + ".")]

    if service == "ec2":
        if action in ("ReplaceRoute", "CreateRoute", "DeleteRoute"):
            return ec2("route-table", [params.get("RouteTableId")])
        if action in ("StartInstances", "StopInstances", "RebootInstances"):
            return ec2("instance", listed("InstanceId"))
        if action in ("AssignPrivateIpAddresses", "UnassignPrivateIpAddresses", "ModifyNetworkInterfaceAttribute"):
            return ec2("network-interface", [params.get("NetworkInterfaceId")])
        if action == "AssociateAddress":
            return (
                ec2("elastic-ip", [params.get("AllocationId")])
                + ec2("network-interface", [params.get("NetworkInterfaceId")])
                + ec2("instance", [params.get("InstanceId")])
            )
        if action == "DisassociateAddress":
            address = _address(account, region, params.get("AssociationId"))
            if address is not None:
                eni = address.network_interface_id
                return ec2("elastic-ip", [address.allocation_id]) + ec2("network-interface", [eni])
        return ["*"]
    if service == "route53":
        if action == "GetChange":
            return [f"arn:aws:route53:::change/{params.get('Id', '').split('/')[-1]}"]
        zone = params.get("HostedZoneId") or params.get("Id")  # moto's router names the URI's zone Id
        return [f"arn:aws:route53:::hostedzone/{zone.split('/')[-1]}"] if zone else ["*"]
    if service == "s3":
        bucket, key = params.get("Bucket"), params.get("Key")
        if bucket and key:
            return [f"arn:aws:s3:::{bucket}/{key}"]
        return [f"arn:aws:s3:::{bucket}"] if bucket else ["*"]
    if service == "sns" and params.get("TopicArn"):
        return [params["TopicArn"]]
    if service == "iam" and params.get("PolicySourceArn"):
        return [params["PolicySourceArn"]]
    return ["*"]


def iam_action(service: str, action: str) -> str:
    prefix = {"monitoring": "cloudwatch"}.get(service, service)  # CloudWatch signs as "monitoring"
    if service == "s3":
        action = S3_ACTIONS.get(action, action)
    return f"{prefix}:{action}"


def _address(account: str, region: str, association_id: str | None):
    from moto.ec2.models import ec2_backends

    if not association_id:
        return None
    try:
        addresses = ec2_backends[account][region].addresses
    except KeyError:
        return None
    return next((a for a in addresses if a.association_id == association_id), None)


class _Principal:
    """An IAM user or role of the account, by ARN: its policies as moto's evaluator reads them."""

    def __init__(self, backend, kind: str, name: str):
        self.backend, self.kind, self.name = backend, kind, name

    def collect_policies(self) -> list:
        b, name = self.backend, self.name
        if self.kind == "role":
            found = [b.get_role_policy(name, p)[1] for p in b.list_role_policies(name)]
            return found + list(b.list_attached_role_policies(name)[0])
        found = [b.get_user_policy(name, p) for p in b.list_user_policies(name)]
        return found + list(b.list_attached_user_policies(name)[0])


def simulate_principal_policy(account: str, params: dict):
    """iam:SimulatePrincipalPolicy for a user or role of the account (moto has none): each action on each
    resource judged with the same evaluator as the principal's own calls, answered as IAM answers."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.iam.models import iam_backends

    from webui.awssim import answers

    source = params.get("PolicySourceArn", "")
    kind, _, name = source.partition(":")[2].rpartition(":")[2].partition("/")
    backend = iam_backends[account]["global"]
    try:
        (backend.get_role if kind == "role" else backend.get_user)(name.rsplit("/", 1)[-1])
    except Exception:
        return answers.error("iam", 404, "NoSuchEntity", f"The principal {source} does not exist.")
    policies = [IAMPolicy(p) for p in _Principal(backend, kind, name.rsplit("/", 1)[-1]).collect_policies()]

    def members(prefix):
        return [v for k, v in sorted(params.items(), key=lambda kv: kv[0]) if k.startswith(prefix + ".member.")]

    results = []
    for action in members("ActionNames"):
        for resource in members("ResourceArns") or ["*"]:
            found = [p.is_action_permitted(action, resource) for p in policies]
            decision = (
                "explicitDeny"
                if PermissionResult.DENIED in found
                else "allowed"
                if PermissionResult.PERMITTED in found
                else "implicitDeny"
            )
            results.append(
                f"<member><EvalActionName>{escape(action)}</EvalActionName>"
                f"<EvalResourceName>{escape(resource)}</EvalResourceName><EvalDecision>{decision}</EvalDecision>"
                "<MatchedStatements/><MissingContextValues/></member>"
            )
    body = (
        f'<SimulatePrincipalPolicyResponse xmlns="{answers.QUERY_NS["iam"]}"><SimulatePrincipalPolicyResult>'
        f"<IsTruncated>false</IsTruncated><EvaluationResults>{''.join(results)}</EvaluationResults>"
        f"</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>{answers.request_id()}</RequestId>"
        "</ResponseMetadata></SimulatePrincipalPolicyResponse>"
    )
    return answers.xml(200, body)
