package io.lvscp.api.model;

/**
 * How a real server is checked. {@code expect} is nanny's send/expect exchange over the virtual server's
 * protocol; {@code program} is Piranha's send_program, run without a shell with %h replaced by the address.
 */
public enum HealthCheckKind { none, tcp, http, https, expect, program }
