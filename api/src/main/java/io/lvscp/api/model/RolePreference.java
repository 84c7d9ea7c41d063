package io.lvscp.api.model;

/** Which role a router takes when both routers of the pair are healthy. */
public enum RolePreference { primary, backup }
