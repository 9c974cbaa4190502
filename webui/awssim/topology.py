"""The guide's reference topology, as the embedded AWS simulation is seeded with it.

The topology is the superset of the guide's chapters 4-8: one VPC 10.0.0.0/16 in two AZs with
public and private subnets, an Internet gateway and a NAT gateway, two Windows server instances
(one per AZ) whose ENIs have Source/Dest. Check disabled, the VIP 10.1.0.20/32 routed to the
first ENI, an Elastic IP, a private hosted zone, an S3 bucket for the object-storage heartbeat
and an NLB target group with health-check port 12345 every 30 s.

It is a clean cluster's world for Check AWS too: the VPC's default security group lets its members
reach each other (as AWS makes it; moto's has no inbound rule) and the NLB's health checks reach the
probe port, automatic recovery of the instances is off, and the NLB has its network interface in each
of its subnets, as AWS gives it.
"""

import boto3
from botocore.config import Config

VPC_CIDR = "10.0.0.0/16"
VIP = "10.1.0.20"
HOSTED_ZONE = "hz1.local."
RECORD_NAME = "srv.hz1.local."
HEARTBEAT_BUCKET = "clusterwebui-objstorage-hb"
HEALTH_CHECK_PORT = 12345
HEALTH_CHECK_INTERVAL = 30
WINDOWS_AMI = "ami-1812c061"  # Windows_Server-2016 in moto's AMI catalogue
# (name, CIDR, AZ suffix, public?)
SUBNETS = [
    ("Subnet-1A", "10.0.10.0/24", "a", True),
    ("Subnet-1B", "10.0.20.0/24", "c", True),
    ("Subnet-2A", "10.0.110.0/24", "a", False),
    ("Subnet-2B", "10.0.120.0/24", "c", False),
]
# (server name, subnet, private IP)
SERVERS = [("server1", "Subnet-2A", "10.0.110.10"), ("server2", "Subnet-2B", "10.0.120.10")]
NLB_SUBNETS = {"Subnet-2A": "10.0.110.5", "Subnet-2B": "10.0.120.5"}  # its network interface in each


SETUP_HEADER = "X-Awssim-Setup"  # the world as it already is: the layer lets it through at once, INSYNC


def _mark_setup(request, **_):
    request.headers[SETUP_HEADER] = "1"


def root_client(service: str, endpoint_url: str, region: str):
    """A client with the simulation's root key ("testing": may do everything) whose calls are setup."""
    made = boto3.client(
        service,
        endpoint_url=endpoint_url,
        config=Config(region_name=region, retries={"mode": "standard"}),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the simulation's root key
    )
    made.meta.events.register("before-sign", _mark_setup)
    return made


def _tags(name: str, kind: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def seed(endpoint_url: str, region: str, suffix: str = "") -> dict:
    """Create the reference topology at `endpoint_url`; return the IDs it made.

    `suffix` makes the globally named parts (bucket, target group, load balancer) unique, so that
    tests can seed isolated copies of the topology on one server.
    """
    ec2, r53, s3, elb = (root_client(service, endpoint_url, region) for service in ("ec2", "route53", "s3", "elbv2"))
    ids: dict = {"region": region, "endpoint_url": endpoint_url}

    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=_tags("ecx-vpc", "vpc"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    ids["vpc_id"] = vpc_id

    subnets = {}
    for name, cidr, az, public in SUBNETS:
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=region + az, TagSpecifications=_tags(name, "subnet")
        )["Subnet"]
        subnets[name] = {"id": subnet["SubnetId"], "cidr": cidr, "az": region + az, "public": public}
    ids["subnets"] = subnets

    igw_id = ec2.create_internet_gateway(TagSpecifications=_tags("ecx-igw", "internet-gateway"))["InternetGateway"][
        "InternetGatewayId"
    ]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    ids["internet_gateway_id"] = igw_id

    nat_eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnets["Subnet-1A"]["id"], AllocationId=nat_eip)["NatGateway"][
        "NatGatewayId"
    ]
    ids["nat_gateway_id"] = nat_id

    route_tables = {}
    for name, public in (("Public-AB", True), ("Private-AB", False)):
        rtb_id = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_tags(name, "route-table"))["RouteTable"][
            "RouteTableId"
        ]
        if public:
            ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
        else:
            ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
        for subnet in subnets.values():
            if subnet["public"] == public:
                ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=subnet["id"])
        route_tables[name] = rtb_id
    ids["route_tables"] = route_tables

    servers = {}
    for name, subnet_name, ip in SERVERS:
        subnet = subnets[subnet_name]
        instance = ec2.run_instances(
            ImageId=WINDOWS_AMI,
            InstanceType="t3.medium",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet["id"],
            PrivateIpAddress=ip,
            TagSpecifications=_tags(name, "instance"),
        )["Instances"][0]
        eni_id = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
        # The AWS Virtual IP resource needs Source/Dest. Check disabled on each server's ENI.
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": False})
        # EC2 automatic recovery would bring back an instance the cluster gave up: off for cluster instances.
        ec2.modify_instance_maintenance_options(InstanceId=instance["InstanceId"], AutoRecovery="disabled")
        servers[name] = {
            "instance_id": instance["InstanceId"],
            "eni_id": eni_id,
            "private_ip": ip,
            "availability_zone": subnet["az"],
            "subnet_id": subnet["id"],
        }
    ids["servers"] = servers
    # AWS's default security group lets its members reach each other; the NLB's health checks come from the VPC.
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=default_sg,
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default_sg}]},
            {
                "IpProtocol": "tcp",
                "FromPort": HEALTH_CHECK_PORT,
                "ToPort": HEALTH_CHECK_PORT,
                "IpRanges": [{"CidrIp": VPC_CIDR, "Description": "NLB health checks"}],
            },
        ],
    )
    ids["security_group_id"] = default_sg

    # The VIP (outside the VPC CIDR) routed to the active server's ENI in every route table.
    for rtb_id in route_tables.values():
        ec2.create_route(
            RouteTableId=rtb_id, DestinationCidrBlock=f"{VIP}/32", NetworkInterfaceId=servers["server1"]["eni_id"]
        )
    ids["vip"] = VIP

    eip = ec2.allocate_address(Domain="vpc", TagSpecifications=_tags("ecx-eip", "elastic-ip"))
    ids["eip"] = {"allocation_id": eip["AllocationId"], "public_ip": eip["PublicIp"]}

    zone = r53.create_hosted_zone(
        Name=HOSTED_ZONE,
        CallerReference=f"clusterwebui-awssim{suffix}",
        HostedZoneConfig={"Comment": "Cluster WebUI reference topology", "PrivateZone": True},
        VPC={"VPCRegion": region, "VPCId": vpc_id},
    )["HostedZone"]
    zone_id = zone["Id"].split("/")[-1]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": RECORD_NAME,
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": servers["server1"]["private_ip"]}],
                    },
                }
            ]
        },
    )
    ids["hosted_zone"] = {"id": zone_id, "name": HOSTED_ZONE, "record_name": RECORD_NAME}

    if region == "us-east-1":
        s3.create_bucket(Bucket=HEARTBEAT_BUCKET + suffix)
    else:
        s3.create_bucket(Bucket=HEARTBEAT_BUCKET + suffix, CreateBucketConfiguration={"LocationConstraint": region})
    ids["bucket"] = HEARTBEAT_BUCKET + suffix

    target_group = elb.create_target_group(
        Name=f"ecx-nlb-targets{suffix}",
        Protocol="TCP",
        Port=80,
        VpcId=vpc_id,
        TargetType="instance",
        HealthCheckProtocol="TCP",
        HealthCheckPort=str(HEALTH_CHECK_PORT),
        HealthCheckIntervalSeconds=HEALTH_CHECK_INTERVAL,
    )["TargetGroups"][0]
    tg_arn = target_group["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": s["instance_id"]} for s in servers.values()])
    nlb = elb.create_load_balancer(
        Name=f"ecx-nlb{suffix}",
        Type="network",
        Scheme="internal",
        Subnets=[subnets[name]["id"] for name in NLB_SUBNETS],
    )["LoadBalancers"][0]
    # Its interfaces, as AWS describes them ("ELB net/NAME/ID"), in a security group of its own (moto would put
    # them in the default one, whose members the servers let in whatever the port).
    nlb_sg = ec2.create_security_group(GroupName=f"ecx-nlb{suffix}", Description="NLB", VpcId=vpc_id)["GroupId"]
    for name, address in NLB_SUBNETS.items():
        ec2.create_network_interface(
            SubnetId=subnets[name]["id"],
            PrivateIpAddress=address,
            Groups=[nlb_sg],
            Description="ELB " + nlb["LoadBalancerArn"].split(":loadbalancer/", 1)[1],
        )
    elb.create_listener(
        LoadBalancerArn=nlb["LoadBalancerArn"],
        Protocol="TCP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=nlb["LoadBalancerArn"],
        Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}],
    )
    ids["nlb"] = {"arn": nlb["LoadBalancerArn"], "dns_name": nlb["DNSName"], "target_group_arn": tg_arn}
    return ids
