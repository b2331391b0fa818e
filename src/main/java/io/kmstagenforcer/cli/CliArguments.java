package io.kmstagenforcer.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A command line of {@code --name value} (or {@code --name=value}) options and {@code --flag}s, each
 * given at most once, and nothing else: an unknown option, a missing value or a stray word is a
 * {@link UsageException} that says which.
 */
final class CliArguments {
    static final String HELP = "--help";

    private final Map<String, String> values;
    private final Set<String> flags;

    private CliArguments(Map<String, String> values, Set<String> flags) {
        this.values = values;
        this.flags = flags;
    }

    /**
     * @param valueOptions the options that take a value, e.g. {@code --policy}
     * @param flagOptions  the options that take none, e.g. {@code --progress}; {@code --help} and {@code -h} always exist
     */
    static CliArguments parse(List<String> args, Set<String> valueOptions, Set<String> flagOptions) {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> flags = new TreeSet<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals(HELP)) {
                flags.add(HELP);
                continue;
            }
            int equals = arg.indexOf('=');
            String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            if (flagOptions.contains(name)) {
                if (equals > 0) {
                    throw new UsageException(name + " takes no value");
                }
                if (!flags.add(name)) {
                    throw new UsageException(name + " is given twice");
                }
            } else if (valueOptions.contains(name)) {
                String value;
                if (equals > 0) {
                    value = arg.substring(equals + 1);
                } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                    value = args.get(++i);
                } else {
                    throw new UsageException(name + " needs a value");
                }
                if (values.putIfAbsent(name, value) != null) {
                    throw new UsageException(name + " is given twice");
                }
            } else if (arg.startsWith("-")) {
                throw new UsageException("unknown option " + name);
            } else {
                throw new UsageException("unexpected argument \"" + arg + "\" (every value follows its option)");
            }
        }
        return new CliArguments(values, flags);
    }

    boolean helpAsked() {
        return flags.contains(HELP);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String required(String name) {
        return value(name).orElseThrow(() -> new UsageException(name + " is required"));
    }

    /** The value of {@code name} as one of {@code choices} (lower-case names), or {@code otherwise} when it is not given. */
    <E extends Enum<E>> E choice(String name, Class<E> choices, E otherwise) {
        Optional<String> given = value(name);
        if (given.isEmpty()) {
            return otherwise;
        }
        for (E choice : choices.getEnumConstants()) {
            if (label(choice).equals(given.get())) {
                return choice;
            }
        }
        List<String> labels = Arrays.stream(choices.getEnumConstants()).map(CliArguments::label).toList();
        throw new UsageException(name + " must be " + String.join(", ", labels.subList(0, labels.size() - 1))
                + " or " + labels.get(labels.size() - 1) + ", not \"" + given.get() + "\"");
    }

    static String label(Enum<?> choice) {
        return choice.name().toLowerCase(Locale.ROOT);
    }
}
