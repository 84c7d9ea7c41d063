package io.lvscp.api.model;

import java.util.regex.Pattern;

/**
 * The one naming rule of clusters, routers, virtual and real servers: a DNS label (1-63 lower-case letters,
 * digits and '-', not starting or ending with '-'). Names end up in URLs, stream ids, log lines and metric
 * labels, so nothing that needs quoting anywhere is allowed.
 */
public final class Names {
    public static final Pattern PATTERN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    public static final String RULE = "use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit";

    private Names() {}

    public static boolean isValid(String name) {
        return name != null && PATTERN.matcher(name).matches();
    }
}
