package io.lvscp.api.model;

/** An operator's intent for a real server; health never overrides {@code drained}. */
public enum RealServerState { active, drained }
