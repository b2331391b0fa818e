package io.kmstagenforcer.aws;

import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;

/**
 * Where AWS Organizations is called from a function in a given region: Organizations has one endpoint per partition,
 * in us-east-1 for {@code aws}, cn-northwest-1 for {@code aws-cn}, us-gov-west-1 for {@code aws-us-gov}
 * (Organizations User Guide, "Endpoints"), and requests are signed for that region. {@code AWS_ENDPOINT_URL_ORGANIZATIONS}
 * (else {@code AWS_ENDPOINT_URL}) points it elsewhere, as for the SDK.
 */
public final class OrganizationsEndpoint {
    public static final String SIGNING_NAME = "organizations";
    private static final Map<String, String> REGION_OF_PARTITION = Map.of("aws", "us-east-1", "aws-cn", "cn-northwest-1",
            "aws-us-gov", "us-gov-west-1");

    private OrganizationsEndpoint() {
    }

    /** The region Organizations is called and signed in, for a function in {@code functionRegion}. */
    public static String region(String functionRegion) {
        RegionMetadata metadata = Region.of(functionRegion).metadata();
        return REGION_OF_PARTITION.getOrDefault(metadata == null ? "aws" : metadata.partition().id(), functionRegion);
    }

    public static URI uri(String functionRegion, Map<String, String> environment) {
        return SignedCall.endpoint("ORGANIZATIONS", SIGNING_NAME, region(functionRegion), environment);
    }
}
