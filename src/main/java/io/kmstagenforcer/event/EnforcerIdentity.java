package io.kmstagenforcer.event;

import java.util.Optional;

/**
 * Who the enforcer is when it calls KMS, so that the CloudTrail records of its own writes are never
 * re-evaluated (which would let two deployments, or a hand-edited rule, ping-pong a key's tags).
 *
 * <p>Lambda calls KMS as {@code assumed-role/<execution role>/<function name>}. The role is the
 * stronger signal: every function of the stack (the event handler and the sweep) shares it. Without
 * it, the session name must equal the function's name. In a member account the enforcer writes as
 * {@code assumed-role/<member role>/<function name>}: a caller whose assumed role is the member role is
 * the enforcer too.
 *
 * @param roleName       the execution role's name ({@code ENFORCER_ROLE_NAME})
 * @param functionName   the function's name ({@code AWS_LAMBDA_FUNCTION_NAME}), which Lambda uses as the session name
 * @param memberRoleName the role the enforcer assumes in member accounts ({@code MEMBER_ROLE_NAME})
 */
public record EnforcerIdentity(Optional<String> roleName, Optional<String> functionName, Optional<String> memberRoleName) {
    /** Outside Lambda (tests, the simulator): nobody's calls are the enforcer's own. */
    public static final EnforcerIdentity NONE = new EnforcerIdentity(Optional.empty(), Optional.empty());

    public EnforcerIdentity {
        roleName = roleName.filter(name -> !name.isBlank());
        functionName = functionName.filter(name -> !name.isBlank());
        memberRoleName = memberRoleName.filter(name -> !name.isBlank());
    }

    /** Without member accounts. */
    public EnforcerIdentity(Optional<String> roleName, Optional<String> functionName) {
        this(roleName, functionName, Optional.empty());
    }

    /**
     * True when the call was made with the enforcer's own role or its member role, or (without a role
     * name) by a session named after the function.
     */
    public boolean made(UserIdentity caller) {
        if (!"AssumedRole".equals(caller.type().orElse(""))) {
            return false;
        }
        if (memberRoleName.isPresent() && caller.roleName().equals(memberRoleName)) {
            return true;
        }
        if (roleName.isPresent()) {
            return caller.roleName().equals(roleName);
        }
        return functionName.isPresent() && caller.principal().equals(functionName);
    }

    /** How the enforcer's identity that made {@code caller}'s call reads in a reason. */
    String describe(UserIdentity caller) {
        if (memberRoleName.isPresent() && caller.roleName().equals(memberRoleName)) {
            return "member role " + memberRoleName.get();
        }
        return roleName.map(name -> "role " + name).or(() -> functionName.map(name -> "session " + name)).orElse("identity");
    }
}
