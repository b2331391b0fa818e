package io.kmstagenforcer.event;

import java.util.Optional;

/**
 * Who the enforcer is when it calls KMS, so that the CloudTrail records of its own writes are never
 * re-evaluated (which would let two deployments, or a hand-edited rule, ping-pong a key's tags).
 *
 * <p>Lambda calls KMS as {@code assumed-role/<execution role>/<function name>}. The role is the
 * stronger signal: every function of the stack (the event handler and the sweep) shares it. Without
 * it, the session name must equal the function's name.
 *
 * @param roleName     the execution role's name ({@code ENFORCER_ROLE_NAME})
 * @param functionName the function's name ({@code AWS_LAMBDA_FUNCTION_NAME}), which Lambda uses as the session name
 */
public record EnforcerIdentity(Optional<String> roleName, Optional<String> functionName) {
    /** Outside Lambda (tests, the simulator): nobody's calls are the enforcer's own. */
    public static final EnforcerIdentity NONE = new EnforcerIdentity(Optional.empty(), Optional.empty());

    public EnforcerIdentity {
        roleName = roleName.filter(name -> !name.isBlank());
        functionName = functionName.filter(name -> !name.isBlank());
    }

    /** True when the call was made with the enforcer's own role, or by a session named after the function. */
    public boolean made(UserIdentity caller) {
        if (!"AssumedRole".equals(caller.type().orElse(""))) {
            return false;
        }
        if (roleName.isPresent()) {
            return caller.roleName().equals(roleName);
        }
        return functionName.isPresent() && caller.principal().equals(functionName);
    }

    /** How the enforcer's own identity reads in a reason. */
    String describe() {
        return roleName.map(name -> "role " + name).or(() -> functionName.map(name -> "session " + name)).orElse("identity");
    }
}
