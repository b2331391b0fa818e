package io.kmstagenforcer.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A KMS key is always addressed by its full ARN (a multi-Region replica shares its key ID with the
 * primary). {@link KeyArn#parse} accepts key ARNs of every partition and explains, quoting the
 * text, why anything else is not one.
 */
class KeyArnTest {

    /** arn | partition | region | account | key id. */
    static final String VALID = """
            arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13 | aws | us-east-1 | 111122223333 | 0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13
            arn:aws:kms:eu-west-1:111122223333:key/mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40 | aws | eu-west-1 | 111122223333 | mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40
            arn:aws-cn:kms:cn-north-1:111122223333:key/9b6d2f48-3e1a-4c75-8f09-b2e4d6a81c37 | aws-cn | cn-north-1 | 111122223333 | 9b6d2f48-3e1a-4c75-8f09-b2e4d6a81c37
            arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef | aws-us-gov | us-gov-west-1 | 111122223333 | mrk-0123456789abcdef0123456789abcdef
            arn:aws-iso-b:kms:us-isob-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13 | aws-iso-b | us-isob-east-1 | 111122223333 | 0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13
            arn:aws:kms:us-east-1:123456789012:key/mrk-636a2e67-b358-413f-a439-2a48ff22cbc1 | aws | us-east-1 | 123456789012 | mrk-636a2e67-b358-413f-a439-2a48ff22cbc1
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = VALID)
    void aKeyArnOfAnyPartitionIsSplitIntoItsParts(String arn, String partition, String region, String account, String keyId) {
        assertEquals(new KeyArn(partition, region, account, keyId), KeyArn.parse(arn));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = VALID)
    void toStringGivesBackTheArnItWasParsedFrom(String arn) {
        assertEquals(arn, KeyArn.parse(arn).toString());
    }

    @Test
    void aKeyArnBuiltFromPartsIsAKmsKeyArn() {
        assertEquals("arn:aws:kms:eu-west-1:111122223333:key/mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40",
                new KeyArn("aws", "eu-west-1", "111122223333", "mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40").toString());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            other service      | arn:aws:s3:::my-bucket                                                           | is an ARN of service 's3', not kms
            IAM role           | arn:aws:iam::111122223333:role/KeyAdmins                                         | is an ARN of service 'iam', not kms
            alias              | arn:aws:kms:us-east-1:111122223333:alias/my-key                                  | names a KMS alias, not a key
            no resource type   | arn:aws:kms:us-east-1:111122223333:0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13           | names a KMS resource '0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13', not a key
            not an ARN         | not-an-arn                                                                       | 'not-an-arn' is not an ARN
            bare key id        | 0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13                                             | is not an ARN
            too few parts      | arn:aws:kms:us-east-1                                                            | is not an ARN
            empty              | ""                                                                               | '' is not an ARN
            11-digit account   | arn:aws:kms:us-east-1:11112222333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13       | is not a well-formed KMS key ARN: the account
            account letters    | arn:aws:kms:us-east-1:1111222233a3:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13      | is not a well-formed KMS key ARN
            no account         | arn:aws:kms:us-east-1::key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13                  | is not a well-formed KMS key ARN
            no region          | arn:aws:kms::111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13               | is not a well-formed KMS key ARN
            bad region         | arn:aws:kms:useast1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13        | is not a well-formed KMS key ARN: the region
            upper-case region  | arn:aws:kms:US-EAST-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13      | is not a well-formed KMS key ARN
            bad partition      | arn:azure:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13    | is not a well-formed KMS key ARN: the partition
            missing key id     | arn:aws:kms:us-east-1:111122223333:key/                                          | is not a well-formed KMS key ARN
            key id with space  | arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e 7b21                             | is not a well-formed KMS key ARN: the key id
            trailing text      | arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13/x    | is not a well-formed KMS key ARN
            """)
    void anythingButAKmsKeyArnIsRefusedWithItsReasonQuotingTheText(String what, String text, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyArn.parse(text));
        assertTrue(e.getMessage().contains(reason), () -> what + ": '" + e.getMessage() + "' does not say '" + reason + "'");
        assertTrue(e.getMessage().startsWith("'" + text + "'"), () -> what + ": '" + e.getMessage() + "' does not quote the text");
    }

    @Test
    void aHugeTextIsQuotedOnlyInPart() {
        String huge = "arn:aws:kms:us-east-1:111122223333:key/" + "0".repeat(100_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyArn.parse(huge));
        assertTrue(e.getMessage().length() < 300 && e.getMessage().contains("..."), e::getMessage);
    }
}
