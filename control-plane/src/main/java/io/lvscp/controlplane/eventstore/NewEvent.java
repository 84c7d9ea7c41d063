package io.lvscp.controlplane.eventstore;

/** An event about to be appended: its type name and its JSON body. */
public record NewEvent(String type, String data) {}
