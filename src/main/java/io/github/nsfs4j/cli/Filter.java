package io.github.nsfs4j.cli;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code -Q/--filter EXPR}: the subset of libsmartcols' filter language (lsns 2.41's) that
 * nsfs supports. An expression is comparisons {@code COLUMN OP VALUE} (either side may be a
 * column, a number or a quoted string), joined by {@code &&}/{@code and}, {@code ||}/{@code or},
 * negated by {@code !}/{@code not}, grouped by parentheses; a column alone is true where its
 * cell is not empty. OP is {@code ==} {@code eq} {@code !=} {@code ne} {@code <} {@code lt}
 * {@code <=} {@code le} {@code >} {@code gt} {@code >=} {@code ge} {@code =~} (a regular
 * expression matches part of it) {@code !~}. Numbers compare as numbers where both sides are;
 * otherwise as text. An empty cell compares false (but {@code !=}). Anything else
 * (floating-point numbers, libsmartcols' functions) is refused with a message, never ignored.
 */
final class Filter {
    private final String text;
    private final List<String> tokens;
    private int at;
    private final Node root;
    /** The columns the expression reads, so that they are computed. */
    final Set<Column> columns = EnumSet.noneOf(Column.class);

    private Filter(String text) {
        this.text = text;
        this.tokens = tokenize(text);
        this.root = or();
        if (at < tokens.size()) {
            throw error("unexpected '" + tokens.get(at) + "'");
        }
    }

    /** Parses {@code -Q}'s expression. */
    static Filter parse(String text) {
        return new Filter(text);
    }

    boolean matches(Column.Row row) {
        return root.test(row);
    }

    private CliException error(String why) {
        return CliException.usage("-Q '" + text + "': " + why + "; nsfs supports comparisons (== != < <= > >= =~ !~,"
                + " or eq ne lt le gt ge) of columns, integers and quoted strings, joined by && || ! (and or not) and"
                + " parentheses; see 'nsfs ls --help'");
    }

    // ---------------------------------------------------------------- tokens

    private static final List<String> SYMBOLS = List.of("&&", "||", "==", "!=", "<=", ">=", "=~", "!~", "(", ")", "<",
            ">", "!");

    private List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '\'') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) {
                    throw error("a string is not closed");
                }
                out.add(s.substring(i, end + 1));
                i = end + 1;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_'
                        || s.charAt(j) == '-' || s.charAt(j) == '.')) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            } else {
                String symbol = null;
                for (String sym : SYMBOLS) {
                    if (s.startsWith(sym, i)) {
                        symbol = sym;
                        break;
                    }
                }
                if (symbol == null) {
                    throw error("'" + c + "' is not part of the filter language nsfs supports");
                }
                out.add(symbol);
                i += symbol.length();
            }
        }
        return out;
    }

    private String peek() {
        return at < tokens.size() ? tokens.get(at) : null;
    }

    private boolean accept(String... words) {
        String t = peek();
        if (t == null) {
            return false;
        }
        for (String w : words) {
            if (t.equalsIgnoreCase(w)) {
                at++;
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- grammar

    private interface Node {
        boolean test(Column.Row row);
    }

    private Node or() {
        return leftToRight(this::and, Or::new, "||", "or");
    }

    private Node and() {
        return leftToRight(this::unary, And::new, "&&", "and");
    }

    /**
     * Operands joined by one of {@code operator}'s spellings, grouped from the left:
     * {@code a || b || c} is {@code (a || b) || c}.
     */
    private Node leftToRight(Supplier<Node> operand, BinaryOperator<Node> join, String... operator) {
        Node left = operand.get();
        while (accept(operator)) {
            left = join.apply(left, operand.get());
        }
        return left;
    }

    private Node unary() {
        if (accept("!", "not")) {
            return new Not(unary());
        }
        if (accept("(")) {
            Node inner = or();
            if (!accept(")")) {
                throw error("a '(' is not closed");
            }
            return inner;
        }
        Operand left = operand();
        String op = peek();
        int kind = op == null ? -1 : operator(op);
        if (kind < 0) {
            if (left.column == null) {
                throw error("'" + left.token + "' alone is not a condition");
            }
            return new Present(left.column);
        }
        at++;
        Operand right = operand();
        if (kind >= MATCH) {
            if (right.column != null || right.literal == null || right.literal instanceof BigInteger) {
                throw error("=~ and !~ take a quoted regular expression on the right");
            }
            try {
                return new Match(left, Pattern.compile((String) right.literal), kind == NOT_MATCH);
            } catch (PatternSyntaxException e) {
                throw error("not a regular expression: " + e.getDescription());
            }
        }
        return new Compare(left, kind, right);
    }

    private static final int EQ = 0, NE = 1, LT = 2, LE = 3, GT = 4, GE = 5, MATCH = 6, NOT_MATCH = 7;

    private static int operator(String op) {
        return switch (op.toLowerCase(java.util.Locale.ROOT)) {
            case "==", "eq" -> EQ;
            case "!=", "ne" -> NE;
            case "<", "lt" -> LT;
            case "<=", "le" -> LE;
            case ">", "gt" -> GT;
            case ">=", "ge" -> GE;
            case "=~" -> MATCH;
            case "!~" -> NOT_MATCH;
            default -> -1;
        };
    }

    /** A column, or a literal: a number (BigInteger) or a string. */
    private record Operand(String token, Column column, Object literal) {
        Object value(Column.Row row) {
            if (column == null) {
                return literal;
            }
            Object v = row.value(column);
            if (v instanceof Json.U64 u) {
                return new BigInteger(Long.toUnsignedString(u.bits()));
            }
            if (v instanceof Integer || v instanceof Long) {
                return BigInteger.valueOf(((Number) v).longValue());
            }
            return v == null ? null : column == Column.HELD ? row.text(column) : v;
        }
    }

    private Operand operand() {
        String t = peek();
        if (t == null) {
            throw error("it ends where a column or a value should come");
        }
        at++;
        if (t.startsWith("\"") || t.startsWith("'")) {
            return new Operand(t, null, t.substring(1, t.length() - 1));
        }
        if (t.chars().allMatch(Character::isDigit)) {
            return new Operand(t, null, new BigInteger(t));
        }
        if (t.matches("-?[0-9]*\\.[0-9]+|-[0-9]+")) {
            throw error("'" + t + "': only integers of zero and more are supported");
        }
        Column c = Column.named(t);
        if (c == null) {
            throw error("unknown column '" + t + "' (nsfs ls -H lists them)");
        }
        columns.add(c);
        return new Operand(t, c, null);
    }

    private record Or(Node l, Node r) implements Node {
        public boolean test(Column.Row row) {
            return l.test(row) || r.test(row);
        }
    }

    private record And(Node l, Node r) implements Node {
        public boolean test(Column.Row row) {
            return l.test(row) && r.test(row);
        }
    }

    private record Not(Node n) implements Node {
        public boolean test(Column.Row row) {
            return !n.test(row);
        }
    }

    private record Present(Column c) implements Node {
        public boolean test(Column.Row row) {
            Object v = row.value(c);
            return v != null && !(v instanceof List<?> l && l.isEmpty()) && !"".equals(v);
        }
    }

    private record Match(Operand left, Pattern pattern, boolean negate) implements Node {
        public boolean test(Column.Row row) {
            Object v = left.value(row);
            if (v == null) {
                return negate;
            }
            return pattern.matcher(String.valueOf(v)).find() != negate;
        }
    }

    private record Compare(Operand left, int op, Operand right) implements Node {
        public boolean test(Column.Row row) {
            Object a = left.value(row);
            Object b = right.value(row);
            if (a == null || b == null) {
                return op == NE && (a != null || b != null);
            }
            int cmp;
            if (a instanceof BigInteger x && b instanceof BigInteger y) {
                cmp = x.compareTo(y);
            } else {
                cmp = String.valueOf(a).compareTo(String.valueOf(b));
            }
            return switch (op) {
                case EQ -> cmp == 0;
                case NE -> cmp != 0;
                case LT -> cmp < 0;
                case LE -> cmp <= 0;
                case GT -> cmp > 0;
                default -> cmp >= 0;
            };
        }
    }
}
