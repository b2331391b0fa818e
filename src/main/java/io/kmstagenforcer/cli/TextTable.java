package io.kmstagenforcer.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of text cells, each column padded to its widest cell so that the columns line up in a
 * terminal. The last cell of a row is never padded, and no line ends in spaces. Widths count code
 * points: tag values may hold any letter, though a wide (East Asian) character still counts as one.
 */
final class TextTable {
    private final String indent;
    private final String gap;
    private final List<String[]> rows = new ArrayList<>();

    /**
     * @param indent put before every line
     * @param gap    put between two columns
     */
    TextTable(String indent, String gap) {
        this.indent = indent;
        this.gap = gap;
    }

    TextTable row(String... cells) {
        rows.add(cells.clone());
        return this;
    }

    /** Adds every row of {@code other}, so that they line up with this table's. */
    TextTable rows(TextTable other) {
        other.rows.forEach(this.rows::add);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The lines, each ending in a newline. */
    String render() {
        int columns = rows.stream().mapToInt(row -> row.length).max().orElse(0);
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < row.length - 1; i++) {
                widths[i] = Math.max(widths[i], width(row[i]));
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    line.append(gap);
                }
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - width(row[i])));
                }
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return rows.stream().map(Arrays::toString).toList().toString();
    }

    private static int width(String cell) {
        return cell.codePointCount(0, cell.length());
    }
}
