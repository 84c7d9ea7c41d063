package io.lvscp.api.model;

/** ipvsadm's packet-forwarding methods: -m (masquerading/NAT), -g (gatewaying/direct), -i (ipip tunnel). */
public enum ForwardingMethod { masq, gate, ipip }
