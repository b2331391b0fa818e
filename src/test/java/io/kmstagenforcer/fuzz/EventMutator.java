package io.kmstagenforcer.fuzz;

import io.kmstagenforcer.fuzz.FuzzJson.Arr;
import io.kmstagenforcer.fuzz.FuzzJson.Member;
import io.kmstagenforcer.fuzz.FuzzJson.Num;
import io.kmstagenforcer.fuzz.FuzzJson.Obj;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Makes one mutated event from a seed file: a {@linkplain Kind primary mutation} chosen by the
 * caller, plus up to two cheap extra ones, all drawn from the given random source (so that a seed
 * and an index give the same bytes every time). Works on {@link FuzzJson}'s tree and writes it
 * back itself, so that it controls every byte: escapes, names given twice, where a cut falls.
 * A seed that is not JSON (the empty file) is mutated as bytes.
 */
final class EventMutator {
    /** What a mutant's main change is. */
    enum Kind {
        DELETE_FIELD, TYPE_SWAP, INSERT_FIELD, HUGE_STRING, HUGE_ARRAY, DEEP_NESTING, UNICODE,
        CONTROL_CHARACTERS, DUPLICATE_KEY, HOSTILE_TEMPLATE_VALUE, TRUNCATE
    }

    /** Where a truncation cuts the serialised event. */
    enum Cut {
        /** After a byte of a string's content. */
        INSIDE_STRING,
        /** Right after the backslash that starts an escape. */
        AFTER_BACKSLASH,
        /** Between two characters of a number. */
        MID_NUMBER,
        /** Between the bytes of one multi-byte UTF-8 character. */
        MID_UTF8,
        /** Right after a comma between members or elements. */
        AFTER_COMMA
    }

    /** A mutated event and what was done to it, for failure messages. */
    record Mutant(byte[] bytes, Kind kind, String description) {
    }

    static final int HUGE_STRING_BYTES = 100_000;
    static final int HUGE_ARRAY_LENGTH = 10_000;
    static final int DEEP_NESTING = 2_000;

    /** Names the function reads or routes on; mutations aim at them half of the time. */
    private static final Set<String> READ_FIELDS = Set.of(
            "source", "detail-type", "detail", "eventSource", "eventName", "eventID", "eventTime", "errorCode",
            "userIdentity", "type", "arn", "userName", "invokedBy", "accountId", "sessionContext", "sessionIssuer",
            "responseElements", "keyMetadata", "replicaKeyMetadata", "keyManager", "keyState");
    private static final List<Kind> EXTRA_KINDS = List.of(
            Kind.DELETE_FIELD, Kind.TYPE_SWAP, Kind.INSERT_FIELD, Kind.UNICODE, Kind.CONTROL_CHARACTERS,
            Kind.DUPLICATE_KEY, Kind.HOSTILE_TEMPLATE_VALUE);

    private static final List<String> STRINGS = List.of(
            "", "x", "0", "true", "null", "aws.kms", "kms.amazonaws.com", "CreateKey", "AWS", "CUSTOMER", "{}",
            "arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13");
    private static final List<String> NUMBERS = List.of(
            "0", "-0", "1", "-1", "42", "0.5", "1e400", "-1E-400", "12345678901234567890123456789", "111122223333", "1.0e+2");
    private static final List<String> UNICODE = List.of(
            "\uD83D\uDE00", "\uD83D\uDD11\uD83D\uDDDD\uFE0F", "\uD83D\uDC69\u200D\uD83D\uDCBB", // emoji, ZWJ sequence
            "\u202Eevil\u202C", "\u0645\u0631\u062D\u0628\u0627", "\u05E2\u05D1\u05E8\u05D9\u05EA", "\u200F\u061C", // RTL
            "e\u0301\u0302", "\u0300", "\u0489\u0489\u0489", // combining marks
            "\uD800", "\uDC00", "x\uDBFF", "\uDBFF\uDFFF", // lone surrogates, the last code point
            "\uFEFF", "\u200B\u200D", "\u2028\u2029", "\u00A0", "\u3000", "\uFFFD", "\uFFFF\uFFFE",
            "\u216B\u00B2", "\u01C5", "\uD835\uDC00\uD835\uDFD8", "\u4E2D\u6587", "\u00E9\u00DF", "\uFDFA");
    private static final List<String> CONTROL = List.of(
            "\u0000", "\u0001", "\b", "\t", "\n", "\r", "\f", "\u001B[31m", "\u001F", "\u007F", "\u0085", "\u009F",
            "a\u0000b", "\r\n", "\u0000\u0000\u0000");
    private static final List<String> HOSTILE = List.of(
            ", & < > \" ;", "a,b&c<d>e\"f;g", "x".repeat(300), "\u00E9".repeat(300), "\uD83D\uDE00".repeat(300), "\uD83D\uDE00",
            "\u0000\u0001\u001F\n\r\t\u007F", "", " ", "${keyArn}", "${principal}", "aws:owner", "alice\u202Eecila",
            "\uD800", "a\uDC00b", "e\u0301", "<&>;,\"".repeat(50), "a/b/c", "'; DROP TABLE keys;--", "\\", "\u2028");
    private static final List<String> HOSTILE_TIMES = List.of(
            "2024-05-14T09:12:41Z, & < > \" ;", "2024-05-14", "2024-05-14\n", "2024-05-14T09:12:41Z" + "x".repeat(300),
            "9999-99-99T99:99:99Z", "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
            "\u0662\u0660\u0662\u0664-\u0660\u0665-\u0661\u0664", "2024-05-14T09:12:41.123456789+05:30", "May 14, 2024, 9:12:41 AM");
    /** Key ARNs: other well-formed ones and near misses. */
    private static final List<String> ARNS = List.of(
            "arn:aws:kms:eu-west-1:111122223333:key/mrk-8a3f61c2d94e4b07a1c5e92f3b6d8a40",
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13",
            "arn:aws:kms:us-east-1:111122223333:key/",
            "arn:aws:kms:us-east-1:11112222333:key/0f8c3a5e",
            "arn:aws:kms:US-EAST-1:111122223333:key/0f8c3a5e",
            "arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e/extra",
            "arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e:extra",
            "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
            "ARN:aws:kms:us-east-1:111122223333:key/0f8c3a5e",
            "arn:aws:kms:us-east-1:\u0661\u0661\u0661\u0661\u0662\u0662\u0662\u0662\u0663\u0663\u0663\u0663:key/0f8c3a5e",
            "arn:aws:kms:us-east-1:111122223333:key/0f8c3a5e-7b21-4d9e-a6c4-2e51b9d07f13\n",
            "arn:aws:kms:us-east-1:111122223333:key/\u043A\u043B\u044E\u0447",
            "arn:aws:kms:us-east-1:111122223333:key/" + "a".repeat(129),
            "arn:aws:kms:us-east-\uD835\uDFD9:111122223333:key/0f8c3a5e",
            "arn:aws:kms::111122223333:key/0f8c3a5e",
            "arn::kms:us-east-1:111122223333:key/0f8c3a5e");
    private static final List<String> EVENT_NAMES = List.of(
            "CreateKey", "ReplicateKey", "TagResource", "UntagResource", "DisableKey", "createkey", "CreateKey ", "");

    private final SplittableRandom random;
    private final List<String> done = new ArrayList<>();
    /** Holds the document as its only element, so that the root can be replaced like any value. */
    private final Arr holder = new Arr();

    private EventMutator(SplittableRandom random) {
        this.random = random;
    }

    /** The mutant of {@code seed} whose main change is {@code kind}; a truncation cuts at {@code cut}. */
    static Mutant mutate(byte[] seed, Kind kind, Cut cut, SplittableRandom random) {
        EventMutator mutator = new EventMutator(random);
        Optional<Object> document;
        try {
            document = Optional.of(FuzzJson.parse(seed, false));
        } catch (FuzzJson.Malformed e) {
            document = Optional.empty();
        }
        if (document.isEmpty()) {
            return new Mutant(mutator.mutateBytes(seed), kind, String.join("; ", mutator.done));
        }
        mutator.holder.elements.add(document.get());
        int extras = random.nextInt(3);
        if (kind != Kind.TRUNCATE) {
            mutator.apply(kind);
        }
        for (int i = 0; i < extras; i++) {
            mutator.apply(EXTRA_KINDS.get(random.nextInt(EXTRA_KINDS.size())));
        }
        boolean asciiOnly = random.nextInt(4) == 0;
        if (asciiOnly) {
            mutator.done.add("non-ASCII written as \\u escapes");
        }
        byte[] bytes = kind == Kind.TRUNCATE ? mutator.truncate(cut, asciiOnly) : mutator.written(asciiOnly);
        return new Mutant(bytes, kind, String.join("; ", mutator.done));
    }

    private byte[] written(boolean asciiOnly) {
        return FuzzJson.write(holder.elements.get(0), asciiOnly);
    }

    private void apply(Kind kind) {
        switch (kind) {
            case DELETE_FIELD -> deleteField();
            case TYPE_SWAP -> swapType(pick(all -> true));
            case INSERT_FIELD -> insertField();
            case HUGE_STRING -> replace(pick(all -> true), hugeString(), "a string of " + HUGE_STRING_BYTES + " bytes");
            case HUGE_ARRAY -> replace(pick(all -> true), hugeArray(), "a " + HUGE_ARRAY_LENGTH + "-element array");
            case DEEP_NESTING -> deepNesting();
            case UNICODE -> editString(UNICODE, "unicode");
            case CONTROL_CHARACTERS -> editString(CONTROL, "control characters");
            case DUPLICATE_KEY -> duplicateKey();
            case HOSTILE_TEMPLATE_VALUE -> hostileTemplateValue();
            case TRUNCATE -> throw new IllegalArgumentException("a truncation is applied to the written bytes");
        }
    }

    // --- where: every value of the document, each with its path

    /**
     * A place in the tree: element {@code index} of an array or member {@code index} of an object,
     * reached from {@code up}. The path is only put together when a description needs it: a
     * 10,000-element array has 10,000 slots, a 2,000-deep document 2,000.
     */
    private record Slot(Slot up, Object parent, int index) {
        Object get() {
            return parent instanceof Obj object ? object.members.get(index).value : ((Arr) parent).elements.get(index);
        }

        void set(Object value) {
            if (parent instanceof Obj object) {
                object.members.get(index).value = value;
            } else {
                ((Arr) parent).elements.set(index, value);
            }
        }

        String name() {
            return parent instanceof Obj object ? object.members.get(index).name : "";
        }

        private String step() {
            return up == null ? "$" : parent instanceof Obj ? "." + name() : "[" + index + "]";
        }

        /** Like {@code $.detail.userIdentity.arn}; a deep path keeps its first and last steps. */
        String path() {
            List<String> steps = new ArrayList<>();
            for (Slot slot = this; slot != null; slot = slot.up()) {
                steps.add(0, slot.step());
            }
            if (steps.size() <= 12) {
                return String.join("", steps);
            }
            return String.join("", steps.subList(0, 6)) + "...(" + (steps.size() - 9) + " more levels)..."
                    + String.join("", steps.subList(steps.size() - 3, steps.size()));
        }
    }

    private Slot root() {
        return new Slot(null, holder, 0);
    }

    private List<Slot> slots() {
        List<Slot> slots = new ArrayList<>();
        slots.add(root());
        for (int i = 0; i < slots.size(); i++) {
            Slot slot = slots.get(i);
            Object value = slot.get();
            if (value instanceof Obj object) {
                for (int m = 0; m < object.members.size(); m++) {
                    slots.add(new Slot(slot, object, m));
                }
            } else if (value instanceof Arr array) {
                for (int e = 0; e < array.elements.size(); e++) {
                    slots.add(new Slot(slot, array, e));
                }
            }
        }
        return slots;
    }

    /** A slot that passes {@code filter}: half of the time one the function reads, when there is one. */
    private Slot pick(Predicate<Slot> filter) {
        List<Slot> candidates = slots().stream().filter(filter).toList();
        if (candidates.isEmpty()) {
            return root();
        }
        List<Slot> read = candidates.stream().filter(slot -> READ_FIELDS.contains(slot.name())).toList();
        List<Slot> from = !read.isEmpty() && random.nextBoolean() ? read : candidates;
        return from.get(random.nextInt(from.size()));
    }

    // --- the mutations

    private void deleteField() {
        Slot slot = pick(candidate -> candidate.parent() instanceof Obj);
        if (!(slot.parent() instanceof Obj object)) {
            swapType(slot);
            return;
        }
        done.add("delete " + slot.path());
        object.members.remove(slot.index());
    }

    private void swapType(Slot slot) {
        Object current = slot.get();
        int currentType = typeOf(current);
        int type = random.nextInt(5);
        if (type >= currentType) {
            type++;
        }
        replace(slot, valueOfType(type), "a value of another type");
    }

    private static int typeOf(Object value) {
        if (value instanceof String) {
            return 0;
        }
        if (value instanceof Num) {
            return 1;
        }
        if (value instanceof Boolean) {
            return 2;
        }
        if (value instanceof Obj) {
            return 4;
        }
        return value instanceof Arr ? 5 : 3;
    }

    /** 0 string, 1 number, 2 boolean, 3 null, 4 object, 5 array. */
    private Object valueOfType(int type) {
        switch (type) {
            case 0:
                return oneOf(STRINGS);
            case 1:
                return new Num(oneOf(NUMBERS));
            case 2:
                return random.nextBoolean();
            case 3:
                return FuzzJson.NULL;
            case 4:
                Obj object = new Obj();
                if (random.nextBoolean()) {
                    object.put(random.nextBoolean() ? "arn" : "a", oneOf(STRINGS));
                }
                return object;
            default:
                Arr array = new Arr();
                for (int i = random.nextInt(3); i > 0; i--) {
                    array.elements.add(valueOfType(random.nextInt(4)));
                }
                return array;
        }
    }

    private void replace(Slot slot, Object value, String what) {
        done.add("set " + slot.path() + " to " + what + " (" + abbreviated(value) + ")");
        slot.set(value);
    }

    /** Adds (or overwrites) a field the function routes on, creating the objects on its way. */
    private void insertField() {
        String eventName = detail().map(detail -> detail.get("eventName")).filter(String.class::isInstance).map(String.class::cast)
                .orElse(random.nextBoolean() ? "CreateKey" : "ReplicateKey");
        String metadata = "ReplicateKey".equals(eventName) ? "replicaKeyMetadata" : "keyMetadata";
        switch (random.nextInt(9)) {
            case 0 -> put(List.of("source"), oneOf(List.<Object>of("aws.kms", "aws.s3", "AWS.KMS", new Num("42"), FuzzJson.NULL)));
            case 1 -> put(List.of("detail-type"), oneOf(List.<Object>of("AWS API Call via CloudTrail", "KMS Key State Change",
                    "aws api call via cloudtrail", Boolean.TRUE, FuzzJson.NULL)));
            case 2 -> put(List.of("detail", "errorCode"), oneOf(List.<Object>of("AccessDeniedException", "", new Num("0"),
                    Boolean.FALSE, new Obj(), new Arr(), FuzzJson.NULL)));
            case 3 -> put(List.of("detail", "eventSource"), oneOf(List.<Object>of("kms.amazonaws.com", "s3.amazonaws.com",
                    "KMS.amazonaws.com", new Num("7"), FuzzJson.NULL)));
            case 4 -> put(List.of("detail", "eventName"), oneOf(EVENT_NAMES));
            case 5 -> put(List.of("detail", "responseElements", metadata, "keyManager"), oneOf(List.<Object>of("AWS", "CUSTOMER",
                    "aws", "AWS ", new Num("1"), FuzzJson.NULL)));
            case 6 -> put(List.of("detail", "responseElements", metadata, "keyState"), oneOf(List.<Object>of("PendingDeletion",
                    "PendingReplicaDeletion", "Enabled", "pendingdeletion", new Arr(), FuzzJson.NULL)));
            case 7 -> put(List.of("detail", "responseElements", metadata, "arn"), oneOf(ARNS));
            default -> put(List.of("detail", "errorMessage"), oneOf(HOSTILE));
        }
    }

    private Optional<Obj> detail() {
        return holder.elements.get(0) instanceof Obj event && event.get("detail") instanceof Obj detail
                ? Optional.of(detail)
                : Optional.empty();
    }

    /** Sets the value at {@code path} (names from the root), turning whatever is in the way into objects. */
    private void put(List<String> path, Object value) {
        if (!(holder.elements.get(0) instanceof Obj)) {
            holder.elements.set(0, new Obj());
        }
        Obj object = (Obj) holder.elements.get(0);
        for (String name : path.subList(0, path.size() - 1)) {
            if (!(object.get(name) instanceof Obj)) {
                object.put(name, new Obj());
            }
            object = (Obj) object.get(name);
        }
        object.put(path.get(path.size() - 1), value);
        done.add("set $." + String.join(".", path) + " to " + abbreviated(value));
    }

    /** About {@value #HUGE_STRING_BYTES} bytes of UTF-8. */
    private Object hugeString() {
        switch (random.nextInt(4)) {
            case 0:
                return "a".repeat(HUGE_STRING_BYTES);
            case 1:
                return "\uD83D\uDE00".repeat(HUGE_STRING_BYTES / 4);
            case 2:
                return "<&>;,\"".repeat(HUGE_STRING_BYTES / 6);
            default:
                return "arn:aws:kms:us-east-1:111122223333:key/" + "a".repeat(HUGE_STRING_BYTES);
        }
    }

    private Object hugeArray() {
        Arr array = new Arr();
        int type = random.nextInt(4);
        for (int i = 0; i < HUGE_ARRAY_LENGTH; i++) {
            array.elements.add(switch (type) {
                case 0 -> new Num(Integer.toString(i));
                case 1 -> "aws.kms";
                case 2 -> new Obj();
                default -> FuzzJson.NULL;
            });
        }
        return array;
    }

    /** A value nested {@value #DEEP_NESTING} arrays or objects deep (or close to the parser's 1,000 limit). */
    private void deepNesting() {
        int depth = oneOf(List.of(DEEP_NESTING, DEEP_NESTING, DEEP_NESTING, 999, 1000, 1001));
        boolean wrapDocument = random.nextInt(4) == 0;
        Slot slot = wrapDocument ? root() : pick(all -> true);
        Object value = wrapDocument ? slot.get() : new Num("1");
        int shape = random.nextInt(3);
        for (int level = 0; level < depth; level++) {
            boolean array = shape == 0 || (shape == 2 && level % 2 == 0);
            if (array) {
                Arr wrapper = new Arr();
                wrapper.elements.add(value);
                value = wrapper;
            } else {
                value = new Obj().put("detail", value);
            }
        }
        slot.set(value);
        done.add((wrapDocument ? "wrap the whole document " : "set " + slot.path() + " to a value nested ")
                + depth + " levels deep in " + (shape == 0 ? "arrays" : shape == 1 ? "objects" : "arrays and objects"));
    }

    /** Inserts a piece of text into a string (or replaces the value with it). */
    private void editString(List<String> pieces, String what) {
        Slot slot = pick(candidate -> candidate.get() instanceof String);
        String piece = oneOf(pieces);
        if (!(slot.get() instanceof String text) || random.nextInt(3) == 0) {
            replace(slot, piece, what);
            return;
        }
        int at = random.nextInt(text.length() + 1);
        slot.set(text.substring(0, at) + piece + text.substring(at));
        done.add("insert " + what + " " + abbreviated(piece) + " at character " + at + " of " + slot.path());
    }

    /** Writes one member's name twice in its object: with the same value or another, before or after it. */
    private void duplicateKey() {
        Slot slot = pick(candidate -> candidate.parent() instanceof Obj);
        if (!(slot.parent() instanceof Obj object)) {
            swapType(slot);
            return;
        }
        Member original = object.members.get(slot.index());
        Object value = random.nextBoolean() ? original.value : valueOfType(random.nextInt(6));
        boolean before = random.nextBoolean();
        done.add("write " + slot.path() + " twice, the copy " + (before ? "first" : "second") + " (" + abbreviated(value) + ")");
        object.members.add(before ? slot.index() : slot.index() + 1, new Member(original.name, value));
    }

    /**
     * Puts an attacker's text where a tag template reads it: the IAM user name, the session name in
     * the caller's ARN, the role name, the calling service, the account, the principal type or the
     * event time. Half of the time the identity's type is set so that {@code ${principal}} takes it.
     */
    private void hostileTemplateValue() {
        String hostile = random.nextInt(4) == 0 ? "alice" + oneOf(HOSTILE) : oneOf(HOSTILE);
        List<String> identity = List.of("detail", "userIdentity");
        switch (random.nextInt(7)) {
            case 0 -> hostileIdentity(identity, "userName", hostile, "IAMUser");
            case 1 -> {
                Object arn = detail().map(detail -> detail.get("userIdentity")).filter(Obj.class::isInstance)
                        .map(id -> ((Obj) id).get("arn")).orElse(null);
                String prefix = arn instanceof String text && text.lastIndexOf('/') >= 0
                        ? text.substring(0, text.lastIndexOf('/') + 1)
                        : "arn:aws:sts::111122223333:assumed-role/KeyAdmins/";
                hostileIdentity(identity, "arn", prefix + hostile, random.nextBoolean() ? "AssumedRole" : "FederatedUser");
            }
            case 2 -> hostileIdentity(List.of("detail", "userIdentity", "sessionContext", "sessionIssuer"), "userName", hostile, "AssumedRole");
            case 3 -> hostileIdentity(identity, "invokedBy", hostile, "AWSService");
            case 4 -> hostileIdentity(identity, "accountId", hostile, "AWSAccount");
            case 5 -> put(List.of("detail", "userIdentity", "type"), hostile);
            default -> put(List.of("detail", "eventTime"), random.nextBoolean() ? oneOf(HOSTILE_TIMES) : hostile);
        }
    }

    private void hostileIdentity(List<String> object, String field, String value, String type) {
        List<String> path = new ArrayList<>(object);
        path.add(field);
        put(path, value);
        if (random.nextBoolean()) {
            put(List.of("detail", "userIdentity", "type"), type);
        }
    }

    // --- byte-level changes

    /** The written event cut at a place of the given class; text that has one is added first when it has none. */
    private byte[] truncate(Cut cut, boolean asciiOnly) {
        byte[] bytes = written(asciiOnly);
        List<Integer> cuts = cutPoints(bytes, cut);
        if (cuts.isEmpty()) {
            Slot slot = pick(candidate -> candidate.get() instanceof String);
            slot.set(slot.get() instanceof String text ? text + "\u00E9\u20AC\uD83D\uDE00\n\"\\1" : "\u00E9\u20AC\uD83D\uDE00\n\"\\1");
            done.add("append text with escapes and multi-byte characters to " + slot.path() + ", written as UTF-8");
            bytes = written(false);
            cuts = cutPoints(bytes, cut);
        }
        if (cuts.isEmpty()) {
            cuts = List.of(bytes.length / 2);
        }
        int at = cuts.get(random.nextInt(cuts.size()));
        done.add("truncate " + cut + " at byte " + at + " of " + bytes.length);
        return Arrays.copyOf(bytes, at);
    }

    /** Every length the event can be cut to so that the cut falls where {@code cut} says. */
    static List<Integer> cutPoints(byte[] bytes, Cut cut) {
        List<Integer> points = new ArrayList<>();
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            int next = i + 1 < bytes.length ? bytes[i + 1] & 0xFF : -1;
            boolean match;
            if (inString) {
                boolean escapeStart = !escaped && b == '\\';
                boolean closes = !escaped && b == '"';
                match = switch (cut) {
                    case INSIDE_STRING -> !closes;
                    case AFTER_BACKSLASH -> escapeStart;
                    case MID_UTF8 -> next != -1 && (next & 0xC0) == 0x80;
                    default -> false;
                };
                escaped = escapeStart;
                inString = !closes;
            } else {
                match = switch (cut) {
                    case MID_NUMBER -> isNumberByte(b) && isNumberByte(next);
                    case AFTER_COMMA -> b == ',';
                    default -> false;
                };
                inString = b == '"';
            }
            if (match) {
                points.add(i + 1);
            }
        }
        return points;
    }

    private static boolean isNumberByte(int b) {
        return (b >= '0' && b <= '9') || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E';
    }

    /** For a seed that is not JSON: one to three byte strings (whitespace, NUL, a BOM, JSON fragments) put in. */
    private byte[] mutateBytes(byte[] seed) {
        List<byte[]> pieces = List.of(
                new byte[] {0}, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, new byte[] {(byte) 0xC3},
                new byte[] {(byte) 0xFF}, bytes(" \t\r\n"), bytes("{"), bytes("\""), bytes("{}"), bytes("[]"), bytes("null"),
                bytes("{\"source\":\"aws.kms\"}"), bytes("\\u0000"), bytes("\uD83D\uDE00"));
        byte[] bytes = seed;
        for (int i = random.nextInt(3); i >= 0; i--) {
            byte[] piece = pieces.get(random.nextInt(pieces.size()));
            int at = random.nextInt(bytes.length + 1);
            byte[] longer = new byte[bytes.length + piece.length];
            System.arraycopy(bytes, 0, longer, 0, at);
            System.arraycopy(piece, 0, longer, at, piece.length);
            System.arraycopy(bytes, at, longer, at + piece.length, bytes.length - at);
            bytes = longer;
            done.add("insert bytes " + Arrays.toString(piece) + " at byte " + at);
        }
        return bytes;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private <T> T oneOf(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** A short, escaped form of a value for the mutant's description: at most 80 characters of a string. */
    static String abbreviated(Object value) {
        Object shown = value instanceof Obj || value instanceof Arr ? shallow(value) : value;
        if (shown instanceof String text && text.length() > 80) {
            return new String(FuzzJson.write(text.substring(0, 80), true), StandardCharsets.UTF_8)
                    + "...(" + text.length() + " characters)";
        }
        return new String(FuzzJson.write(shown, true), StandardCharsets.UTF_8);
    }

    /** Objects and arrays are described by their size, never written out (they may be 2,000 deep). */
    private static Object shallow(Object value) {
        if (value instanceof Obj object) {
            return object.members.isEmpty() ? value : "<object of " + object.members.size() + " members>";
        }
        Arr array = (Arr) value;
        return array.elements.isEmpty() ? value : "<array of " + array.elements.size() + " elements>";
    }
}
