package io.kmstagenforcer.fuzz;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The fuzzer's own JSON: a mutable tree the mutator can edit, a writer that controls every byte
 * (escapes, duplicated names), and a strict RFC 8259 reader for the oracles.
 *
 * <p>Deliberately shares nothing with the code under test (which reads JSON through the SDK's
 * shaded Jackson): a bug in how the function reads JSON cannot hide in the oracle too.
 *
 * <p>Tree: {@link Obj} (members in order, a name may occur twice), {@link Arr}, {@link String},
 * {@link Num} (kept as its text), {@link Boolean} and {@link #NULL}. Reader and writer recurse, so
 * callers that handle the fuzzer's 2,000-deep documents run on a thread with a large stack.
 */
final class FuzzJson {
    /** JSON null (Java null means "no value here" in this package). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private FuzzJson() {
    }

    /** One member of an object: mutable, so that the mutator can swap its value in place. */
    static final class Member {
        final String name;
        Object value;

        Member(String name, Object value) {
            this.name = name;
            this.value = value;
        }
    }

    /** An object; its members in document order, duplicates allowed (the writer emits them all). */
    static final class Obj {
        final List<Member> members = new ArrayList<>();

        /** The value of the last member of that name (null when there is none). */
        Object get(String name) {
            for (int i = members.size() - 1; i >= 0; i--) {
                if (members.get(i).name.equals(name)) {
                    return members.get(i).value;
                }
            }
            return null;
        }

        /** Replaces the value {@link #get} reads, or adds a member. */
        Obj put(String name, Object value) {
            for (int i = members.size() - 1; i >= 0; i--) {
                if (members.get(i).name.equals(name)) {
                    members.get(i).value = value;
                    return this;
                }
            }
            members.add(new Member(name, value));
            return this;
        }
    }

    /** An array. */
    static final class Arr {
        final List<Object> elements = new ArrayList<>();
    }

    /** A number, as its JSON text (so that 1e400 and 20-digit integers survive unchanged). */
    record Num(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** The input is not JSON, or (with names checked) uses one name twice in an object. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message, int offset) {
            super(message + " at byte " + offset, null, false, false);
        }
    }

    // --- reading

    /** Strict RFC 8259; a leading UTF-8 BOM is skipped (RFC 8259 section 8.1 lets a parser ignore it). */
    static Object parse(byte[] bytes, boolean rejectDuplicateNames) throws Malformed {
        Reader reader = new Reader(bytes, rejectDuplicateNames);
        return reader.document();
    }

    /** The document, or empty when it is not strict JSON (duplicate names rejected). */
    static Optional<Object> tryParse(byte[] bytes) {
        try {
            return Optional.of(parse(bytes, true));
        } catch (Malformed e) {
            return Optional.empty();
        }
    }

    private static final class Reader {
        private final byte[] in;
        private final boolean rejectDuplicateNames;
        /** Java's UTF-8 decoder refuses overlong forms, encoded surrogates and truncated sequences. */
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private int pos;

        Reader(byte[] in, boolean rejectDuplicateNames) {
            this.in = in;
            this.rejectDuplicateNames = rejectDuplicateNames;
            if (in.length >= 3 && (in[0] & 0xFF) == 0xEF && (in[1] & 0xFF) == 0xBB && (in[2] & 0xFF) == 0xBF) {
                pos = 3;
            }
        }

        Object document() throws Malformed {
            Object value = value();
            skipWhitespace();
            if (pos != in.length) {
                throw fail("text after the value");
            }
            return value;
        }

        private Object value() throws Malformed {
            skipWhitespace();
            if (pos >= in.length) {
                throw fail("end of input where a value was expected");
            }
            switch (in[pos]) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", NULL);
                default:
                    return number();
            }
        }

        private Obj object() throws Malformed {
            Obj object = new Obj();
            if (opensEmpty('}')) {
                return object;
            }
            do {
                skipWhitespace();
                if (peek() != '"') {
                    throw fail("member name expected");
                }
                String name = string();
                if (rejectDuplicateNames && object.members.stream().anyMatch(member -> member.name.equals(name))) {
                    throw fail("duplicate name \"" + name + "\"");
                }
                skipWhitespace();
                expect(':');
                object.members.add(new Member(name, value()));
            } while (continues('}'));
            return object;
        }

        private Arr array() throws Malformed {
            Arr array = new Arr();
            if (opensEmpty(']')) {
                return array;
            }
            do {
                array.elements.add(value());
            } while (continues(']'));
            return array;
        }

        /** Takes the opening bracket; true (and takes {@code close} too) when nothing is inside. */
        private boolean opensEmpty(char close) {
            pos++;
            skipWhitespace();
            if (peek() == close) {
                pos++;
                return true;
            }
            return false;
        }

        /** After an element: true for a comma, false for {@code close}. */
        private boolean continues(char close) throws Malformed {
            skipWhitespace();
            int next = take();
            if (next == close || next == ',') {
                return next == ',';
            }
            throw fail("',' or '" + close + "' expected");
        }

        private String string() throws Malformed {
            pos++;
            StringBuilder text = new StringBuilder();
            while (true) {
                int run = pos;
                while (pos < in.length && (in[pos] & 0xFF) >= 0x20 && in[pos] != '"' && in[pos] != '\\') {
                    pos++; // up to the next quote, backslash or control byte: never inside a UTF-8 sequence
                }
                if (pos > run) {
                    try {
                        text.append(utf8.decode(ByteBuffer.wrap(in, run, pos - run)));
                    } catch (CharacterCodingException e) {
                        throw fail("invalid UTF-8 in a string");
                    }
                }
                int b = take();
                if (b < 0) {
                    throw fail("unterminated string");
                }
                if (b == '"') {
                    return text.toString();
                }
                if (b == '\\') {
                    escape(text);
                } else {
                    throw fail("unescaped control character in a string");
                }
            }
        }

        private void escape(StringBuilder text) throws Malformed {
            int e = take();
            switch (e) {
                case '"', '\\', '/' -> text.append((char) e);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    int unit = 0;
                    for (int i = 0; i < 4; i++) {
                        int digit = Character.digit(take(), 16);
                        if (digit < 0) {
                            throw fail("bad \\u escape");
                        }
                        unit = unit * 16 + digit;
                    }
                    // RFC 8259 allows a lone surrogate escape; it is kept as it is.
                    text.append((char) unit);
                }
                default -> throw fail("bad escape");
            }
        }

        private Num number() throws Malformed {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            if (peek() == '0') {
                pos++;
            } else if (isDigit(peek())) {
                digits();
            } else {
                throw fail("value expected");
            }
            if (peek() == '.') {
                pos++;
                if (!isDigit(peek())) {
                    throw fail("digit expected after '.'");
                }
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                if (!isDigit(peek())) {
                    throw fail("digit expected in exponent");
                }
                digits();
            }
            return new Num(new String(in, start, pos - start, StandardCharsets.US_ASCII));
        }

        private void digits() {
            while (isDigit(peek())) {
                pos++;
            }
        }

        private static boolean isDigit(int b) {
            return b >= '0' && b <= '9';
        }

        private Object literal(String word, Object value) throws Malformed {
            for (int i = 0; i < word.length(); i++) {
                if (take() != word.charAt(i)) {
                    throw fail("bad literal");
                }
            }
            return value;
        }

        private void expect(char c) throws Malformed {
            if (take() != c) {
                throw fail("'" + c + "' expected");
            }
        }

        private void skipWhitespace() {
            while (pos < in.length && (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' || in[pos] == '\r')) {
                pos++;
            }
        }

        private int peek() {
            return pos < in.length ? in[pos] & 0xFF : -1;
        }

        private int take() {
            return pos < in.length ? in[pos++] & 0xFF : -1;
        }

        private Malformed fail(String message) {
            return new Malformed(message, pos);
        }
    }

    // --- writing

    /**
     * The document as UTF-8. Control characters and lone surrogates are always escaped (the first
     * must be, the second cannot be UTF-8); with {@code asciiOnly} every non-ASCII character is
     * escaped too, so emoji travel as surrogate-pair escapes.
     */
    static byte[] write(Object value, boolean asciiOnly) {
        StringBuilder out = new StringBuilder();
        write(out, value, asciiOnly);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder out, Object value, boolean asciiOnly) {
        if (value instanceof Obj object) {
            writeAll(out, '{', object.members, '}', member -> {
                writeString(out, member.name, asciiOnly);
                out.append(':');
                write(out, member.value, asciiOnly);
            });
        } else if (value instanceof Arr array) {
            writeAll(out, '[', array.elements, ']', element -> write(out, element, asciiOnly));
        } else if (value instanceof String text) {
            writeString(out, text, asciiOnly);
        } else {
            out.append(value);
        }
    }

    private static <T> void writeAll(StringBuilder out, char open, List<T> items, char close, Consumer<T> writeOne) {
        out.append(open);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            writeOne.accept(items.get(i));
        }
        out.append(close);
    }

    private static void writeString(StringBuilder out, String text, boolean asciiOnly) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pairStart = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x20 || (asciiOnly && c > 0x7E) || (Character.isSurrogate(c) && !pairStart)) {
                out.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
            } else if (pairStart) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
