package io.lvscp.api.model;

/** The floating address the real servers of a NAT cluster use as their gateway (lvs.cf nat_router / nat_nmask). */
public record NatRouter(String address, String netmask, String device) {}
