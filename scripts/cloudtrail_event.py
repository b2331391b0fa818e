"""The EventBridge event CloudTrail delivers for a KMS CreateKey or ReplicateKey call, built from
the KeyMetadata a (local) KMS returned. Shaped like AWS's published records (see events/README.md),
quirks included. Shared by scripts/demo and scripts/benchmark."""
import datetime
import uuid


def key_metadata(metadata):
    """boto3's KeyMetadata (UpperCamel, datetimes) -> CloudTrail's responseElements shape."""
    if isinstance(metadata, dict):
        return {name if name == "AWSAccountId" else name[0].lower() + name[1:]: key_metadata(value)
                for name, value in metadata.items()}
    if isinstance(metadata, list):
        return [key_metadata(value) for value in metadata]
    if isinstance(metadata, datetime.datetime):
        return metadata.strftime("%b %d, %Y, %-I:%M:%S %p")  # CloudTrail's non-ISO creationDate
    return metadata


def api_call_event(meta, *, account, region, user_identity, event_name="CreateKey", replica_region=None, tags=None):
    """The event for a call that returned `meta` (already in CloudTrail's shape, see key_metadata).

    ReplicateKey is logged in the primary's region (`region`) with the replica in replicaKeyMetadata."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if event_name == "ReplicateKey":
        request = {"keyId": meta["keyId"], "replicaRegion": replica_region, "bypassPolicyLockoutSafetyCheck": False}
        response = {"replicaKeyMetadata": meta, "replicaPolicy": "{}"}
    else:
        request = {"description": meta.get("description", ""), "origin": meta.get("origin", "AWS_KMS"),
                   "keySpec": meta.get("keySpec", "SYMMETRIC_DEFAULT"), "keyUsage": meta.get("keyUsage", "ENCRYPT_DECRYPT")}
        response = {"keyMetadata": meta}
    if tags:
        request["tags"] = [{"tagKey": key, "tagValue": value} for key, value in tags.items()]
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "AWS API Call via CloudTrail", "source": "aws.kms",
        "account": account, "time": now, "region": region, "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": user_identity,
            "eventTime": now, "eventSource": "kms.amazonaws.com", "eventName": event_name, "awsRegion": region,
            "sourceIPAddress": "192.0.2.0", "userAgent": "AWS Internal",
            "requestParameters": request, "responseElements": response,
            "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": False,
            "resources": [{"accountId": account, "type": "AWS::KMS::Key", "ARN": meta["arn"]}],
            "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account,
            "eventCategory": "Management",
        },
    }


def tag_change_event(key_arn, *, account, region, user_identity, tags=None, tag_keys=None):
    """The event for a TagResource (`tags`) or UntagResource (`tag_keys`) on `key_arn`: a drift event."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if tags is not None:
        event_name, request, response = "TagResource", {
            "keyId": key_arn, "tags": [{"tagKey": key, "tagValue": value} for key, value in tags.items()]}, None
    else:
        event_name, request, response = "UntagResource", {"keyId": key_arn, "tagKeys": list(tag_keys)}, {"keyId": key_arn}
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "AWS API Call via CloudTrail", "source": "aws.kms",
        "account": account, "time": now, "region": region, "resources": [],
        "detail": {
            "eventVersion": "1.08", "userIdentity": user_identity,
            "eventTime": now, "eventSource": "kms.amazonaws.com", "eventName": event_name, "awsRegion": region,
            "sourceIPAddress": "192.0.2.0", "userAgent": "AWS Internal",
            "requestParameters": request, "responseElements": response,
            "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": False,
            "resources": [{"accountId": account, "type": "AWS::KMS::Key", "ARN": key_arn}],
            "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account,
            "eventCategory": "Management",
        },
    }
