package io.kmstagenforcer.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Organizations has one endpoint per partition, and the SDK's variables point it elsewhere. */
class OrganizationsEndpointTest {
    @Test
    void eachPartitionHasOneRegion() {
        assertEquals("us-east-1", OrganizationsEndpoint.region("eu-west-1"));
        assertEquals("cn-northwest-1", OrganizationsEndpoint.region("cn-north-1"));
        assertEquals("us-gov-west-1", OrganizationsEndpoint.region("us-gov-east-1"));
    }

    @Test
    void theEndpointIsThatRegionsHostInThePartitionsDomain() {
        assertEquals(URI.create("https://organizations.us-east-1.amazonaws.com"), OrganizationsEndpoint.uri("eu-west-1", Map.of()));
        assertEquals(URI.create("https://organizations.cn-northwest-1.amazonaws.com.cn"), OrganizationsEndpoint.uri("cn-north-1", Map.of()));
        assertEquals(URI.create("https://organizations.us-gov-west-1.amazonaws.com"), OrganizationsEndpoint.uri("us-gov-east-1", Map.of()));
    }

    @Test
    void theSdksVariablesWinServiceFirst() {
        assertEquals(URI.create("http://127.0.0.1:9"), OrganizationsEndpoint.uri("eu-west-1",
                Map.of("AWS_ENDPOINT_URL_ORGANIZATIONS", "http://127.0.0.1:9", "AWS_ENDPOINT_URL", "http://127.0.0.1:8")));
        assertEquals(URI.create("http://127.0.0.1:8"), OrganizationsEndpoint.uri("eu-west-1", Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:8")));
    }
}
