package io.kmstagenforcer.kms;

import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.kms.KmsClient;
import java.util.function.Supplier;

/**
 * Builds the KMS client for one region, or for one account and region. Called once per (account,
 * region) per container.
 *
 * <p>A factory that only implements {@link #create(String)} uses the same credentials whatever the
 * key's account: the function's own, as a deployment without member accounts does. One that reaches
 * other accounts through a role ({@link LambdaKmsClients#factory(MemberRoleSessions)}) also says which
 * role ({@link #memberRole}) and opens the account's session before a call ({@link #openSession}), so
 * that a role that cannot be assumed fails as {@code AssumeRole}, not as the KMS call behind it.
 */
@FunctionalInterface
public interface KmsClientFactory {
    KmsClient create(String region);

    /** The client for keys of {@code account} in {@code region}; by default the same credentials for every account. */
    default KmsClient create(String account, String region) {
        return create(region);
    }

    /** The ARN of the role assumed for calls to keys of {@code account}; empty when the function's own credentials are used. */
    default Optional<String> memberRole(String account) {
        return Optional.empty();
    }

    /**
     * Makes sure the credentials for {@code account} are at hand, assuming its member role if its
     * session is missing or about to expire. Does nothing for an account reached with the function's
     * own credentials.
     *
     * @param timeout the longest the AssumeRole call may take, asked when the request is made (after the
     *        STS client is built, which can take seconds in a new container): the invocation's time left
     *        then, as for a KMS call
     * @throws software.amazon.awssdk.core.exception.SdkException as STS answered, or
     *         {@link software.amazon.awssdk.core.exception.ApiCallTimeoutException} when it took longer than {@code timeout}
     */
    default void openSession(String account, Supplier<Duration> timeout) {
    }

    /**
     * The credentials this factory's clients for {@code account} sign with, for the calls the function
     * makes there to other services (Organizations, Security Hub) with the same session: the function's
     * own for its account, the member session for the others. Empty when the factory does not say (a
     * test's factory of its own): such callers use the function's own credentials.
     */
    default Optional<AwsCredentialsProvider> credentials(String account) {
        return Optional.empty();
    }
}
