package io.lvscp.controlplane.command;

import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.Shapes;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects what is wrong with a request body, each under its JSON Pointer, and the checks they share. */
final class Violations {
    private final List<ApiProblem.FieldError> errors = new ArrayList<>();

    void add(String pointer, String detail) {
        errors.add(new ApiProblem.FieldError(pointer, detail));
    }

    List<ApiProblem.FieldError> errors() {
        return List.copyOf(errors);
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    void throwIfAny() {
        if (!errors.isEmpty()) throw ApiProblem.invalid(errors);
    }

    boolean required(String pointer, Object value) {
        if (value == null) {
            add(pointer, "is required");
            return false;
        }
        return true;
    }

    void absent(String pointer, Object value, String why) {
        if (value != null) add(pointer, why);
    }

    void name(String pointer, String value) {
        if (required(pointer, value) && !io.lvscp.api.model.Names.isValid(value)) {
            add(pointer, "'" + printable(value) + "' is not a valid name: " + io.lvscp.api.model.Names.RULE);
        }
    }

    /** A unicast IPv4 or IPv6 literal; empty if it is missing or wrong (and then recorded). */
    Optional<InetAddress> address(String pointer, String value, boolean isRequired) {
        if (value == null) {
            if (isRequired) add(pointer, "is required");
            return Optional.empty();
        }
        Optional<InetAddress> a = IpAddresses.parse(value);
        if (a.isEmpty()) {
            add(pointer, "'" + printable(value) + "' is not an IPv4 or IPv6 address (host names are not accepted)");
            return Optional.empty();
        }
        Optional<String> problem = IpAddresses.unicastProblem(a.get());
        if (problem.isPresent()) {
            add(pointer, value + " " + problem.get() + "; a unicast address is needed");
            return Optional.empty();
        }
        return a;
    }

    void netmask(String pointer, String value, Optional<InetAddress> forAddress, boolean isRequired) {
        if (value == null) {
            if (isRequired) add(pointer, "is required");
            return;
        }
        boolean ipv6 = forAddress.map(a -> a instanceof java.net.Inet6Address).orElse(value.indexOf('.') < 0);
        if (IpAddresses.prefixLength(value, ipv6).isEmpty()) {
            add(pointer, ipv6
                    ? "'" + printable(value) + "' is not an IPv6 prefix length (0-128)"
                    : "'" + printable(value) + "' is not an IPv4 netmask such as 255.255.255.0 (contiguous ones, then zeros)");
        }
    }

    void device(String pointer, String value, boolean isRequired) {
        if (value == null) {
            if (isRequired) add(pointer, "is required");
            return;
        }
        if (!Shapes.isDevice(value)) add(pointer, "'" + printable(value) + "' " + Shapes.DEVICE_RULE);
    }

    void range(String pointer, Number value, long min, long max, boolean isRequired) {
        if (value == null) {
            if (isRequired) add(pointer, "is required");
            return;
        }
        long v = value.longValue();
        if (v < min || v > max) add(pointer, v + " is out of range " + min + "-" + max);
    }

    void port(String pointer, Integer value, boolean isRequired) {
        range(pointer, value, 1, 65535, isRequired);
    }

    /** A string that may reach a command line or a wire: bounded, and free of control characters but \r\n\t. */
    void text(String pointer, String value, int maxLength, boolean allowLineBreaks) {
        if (value == null) return;
        if (value.length() > maxLength) {
            add(pointer, "is " + value.length() + " characters long; at most " + maxLength + " are allowed");
            return;
        }
        int i = Shapes.controlCharacterAt(value, allowLineBreaks);
        if (i >= 0) add(pointer, "contains the control character U+" + String.format("%04X", (int) value.charAt(i)) + " at index " + i);
    }

    /** Shows a rejected value in a message without letting it carry control characters or run on forever. */
    static String printable(String value) {
        return Shapes.printable(value);
    }
}
