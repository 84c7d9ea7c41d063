package io.lvscp.api.model;

public enum Protocol { tcp, udp }
