package io.lvscp.api.model;

/** ipvsadm -p timeout and -M netmask: clients from one netmask-sized network stick to one real server. */
public record Persistence(Integer timeoutSeconds, String netmask) {}
