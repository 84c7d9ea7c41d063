package io.lvscp.api.model;

/** Where traffic goes when no real server of a virtual server is healthy. */
public record SorryServer(String address, Integer port) {}
