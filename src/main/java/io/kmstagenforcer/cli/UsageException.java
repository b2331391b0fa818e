package io.kmstagenforcer.cli;

/** The command line is wrong, or names a file that cannot be read: exit status 2, with the usage text. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
