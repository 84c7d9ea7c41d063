package io.lvscp.controlplane.auth;

/**
 * What a token may do. The three people roles are ordered (each may do what the one before may); {@code agent}
 * is apart: it may only hold its router's stream, never read or change configuration through the API.
 */
public enum Role {
    viewer, operator, admin, agent;

    public boolean atLeast(Role needed) {
        return this != agent && needed != agent && ordinal() >= needed.ordinal();
    }
}
