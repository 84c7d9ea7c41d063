package io.lvscp.agent.host;

/** A floating address on a device, with the alias label operators know from ifconfig (eth0:1); label may be null. */
public record Vip(String address, int prefix, String device, String label) implements Comparable<Vip> {
    public String cidr() {
        return address + "/" + prefix;
    }

    @Override
    public int compareTo(Vip o) {
        return (device + " " + cidr()).compareTo(o.device + " " + o.cidr());
    }

    @Override
    public String toString() {
        return cidr() + " on " + device + (label == null ? "" : " (" + label + ")");
    }
}
