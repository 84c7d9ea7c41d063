package io.lvscp.agent.failover;

/** A router's role in its pair: the active one holds the VIPs, the backup holds none (both program the table). */
public enum Role { active, backup }
