package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.Service;
import io.lvscp.agent.dataplane.ServiceKey;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.model.ForwardingMethod;
import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.Protocol;
import io.lvscp.api.model.Scheduler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads {@code ipvsadm -Sn} (ipvsadm 1.31 on kernel 6.1, checked in the VM test) into a {@link ServiceTable}:
 * <pre>
 * -A -t 192.168.26.10:80 -s wlc -p 300 -M 255.255.255.0
 * -a -t 192.168.26.10:80 -r 10.11.12.1:80 -m -w 3
 * -A -f 80 -6 -s rr
 * -a -f 80 -6 -r [2001:db8::5]:0 -i -w 1 --tun-type ipip
 * </pre>
 * Normalised so that a table read back equals the table that was applied: ipvsadm leaves out {@code -M} when the
 * persistence netmask is one host, which reads as "255.255.255.255" or "128", the netmask the API defaults to.
 * What lvscp does not model is skipped: SCTP services, and options such as {@code -o}, {@code -b} scheduler flags,
 * {@code --pe} and the tunnel type (GUE or GRE read as ipip). A scheduler this build does not know (a newer kernel's)
 * reads as a null scheduler, so the diff replaces it.
 * <p>
 * ipvsadm 1.31 leaves the connection thresholds out of {@code -S} (seen in the VM), so real servers read here have
 * none; {@link IpvsDriver#read()} adds them from {@link IpvsThresholdsParser}. {@code -x} and {@code -y} are read
 * all the same, being options of the rules {@link IpvsBatch} writes.
 */
public final class IpvsadmSaveParser {
    private IpvsadmSaveParser() {}

    public static ServiceTable parse(String save) {
        Map<ServiceKey, Service> services = new LinkedHashMap<>();
        Map<ServiceKey, SortedMap<String, Destination>> destinations = new LinkedHashMap<>();
        int number = 0;
        for (String line : save.split("\n")) {
            number++;
            if (line.isBlank()) continue;
            try {
                Rule rule = Rule.of(line.strip().split("\\s+"));
                if (rule.key == null) continue;
                switch (rule.command) {
                    case "-A" -> {
                        SortedMap<String, Destination> dests = new TreeMap<>();
                        destinations.put(rule.key, dests);
                        services.put(rule.key, rule.service(dests));
                    }
                    case "-a" -> {
                        SortedMap<String, Destination> dests = destinations.get(rule.key);
                        if (dests == null) throw new IllegalArgumentException("real server of a service not listed before it");
                        Destination d = rule.destination();
                        dests.put(d.key(), d);
                    }
                    default -> throw new IllegalArgumentException("not a rule ipvsadm -S writes");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("ipvsadm -Sn line " + number + " '" + IpvsAddresses.printable(line.strip())
                        + "': " + e.getMessage(), e);
            }
        }
        return new ServiceTable(new TreeMap<>(services));
    }

    /** One line's options. {@code key} is null for a service lvscp does not model (SCTP). */
    private static final class Rule {
        final String command;
        ServiceKey key;
        Scheduler scheduler;
        int persistence;
        String netmask;
        String server;
        ForwardingMethod forwarding;
        Integer weight;
        int upperThreshold;
        int lowerThreshold;

        private Rule(String command) {
            this.command = command;
        }

        static Rule of(String[] tokens) {
            Rule r = new Rule(tokens[0]);
            boolean sctp = false;
            boolean ipv6Mark = false;
            long mark = 0;
            for (int i = 1; i < tokens.length; i++) {
                String option = tokens[i];
                // Every value ipvsadm -S prints follows its option, and only options start with '-' and a letter.
                String value = i + 1 < tokens.length && !isOption(tokens[i + 1]) ? tokens[i + 1] : null;
                if (value != null) i++;
                switch (option) {
                    case "-t" -> r.key = address(Protocol.tcp, required(option, value));
                    case "-u" -> r.key = address(Protocol.udp, required(option, value));
                    case "--sctp-service" -> sctp = true;
                    // Marks are unsigned 32-bit; ipvsadm prints them with %d, so 4294967295 reads "-1".
                    case "-f" -> mark = Integer.toUnsignedLong((int) Long.parseLong(required(option, value)));
                    case "-6" -> ipv6Mark = true;
                    case "-s" -> r.scheduler = scheduler(required(option, value));
                    case "-p" -> r.persistence = Integer.parseInt(required(option, value));
                    case "-M" -> r.netmask = required(option, value);
                    case "-r" -> r.server = required(option, value);
                    case "-m" -> r.forwarding = ForwardingMethod.masq;
                    case "-g" -> r.forwarding = ForwardingMethod.gate;
                    case "-i" -> r.forwarding = ForwardingMethod.ipip;
                    case "-w" -> r.weight = Integer.parseInt(required(option, value));
                    case "-x" -> r.upperThreshold = IpvsThresholdsParser.threshold(required(option, value));
                    case "-y" -> r.lowerThreshold = IpvsThresholdsParser.threshold(required(option, value));
                    default -> { } // not modelled (see the class comment), and its value with it
                }
            }
            if (mark != 0) r.key = ServiceKey.mark(mark, ipv6Mark);
            if (sctp) r.key = null;
            else if (r.key == null) throw new IllegalArgumentException("no service (-t, -u or -f)");
            return r;
        }

        Service service(SortedMap<String, Destination> dests) {
            if (persistence == 0) return new Service(key, scheduler, 0, null, dests);
            String mask = netmask != null ? netmask : key.ipv6() ? "128" : "255.255.255.255";
            if (IpAddresses.prefixLength(mask, key.ipv6()).isEmpty()) {
                throw new IllegalArgumentException("netmask " + mask + " unreadable");
            }
            return new Service(key, scheduler, persistence, mask, dests);
        }

        Destination destination() {
            if (server == null || forwarding == null || weight == null) {
                throw new IllegalArgumentException("real server without -r, -m/-g/-i or -w");
            }
            HostPort hp = HostPort.of(server);
            return new Destination(hp.address, hp.port, forwarding, weight, upperThreshold, lowerThreshold);
        }

        private static boolean isOption(String token) {
            return token.length() > 1 && token.charAt(0) == '-' && !Character.isDigit(token.charAt(1));
        }

        private static ServiceKey address(Protocol protocol, String value) {
            HostPort hp = HostPort.of(value);
            return ServiceKey.of(protocol, hp.address, hp.port);
        }

        private static Scheduler scheduler(String name) {
            for (Scheduler s : Scheduler.values()) if (s.name().equals(name)) return s;
            return null;
        }

        private static String required(String option, String value) {
            if (value == null) throw new IllegalArgumentException(option + " without a value");
            return value;
        }
    }

    /** "192.0.2.1:80" or "[2001:db8::1]:80", as ipvsadm -n prints them (always with the port). */
    record HostPort(String address, int port) {
        static HostPort of(String text) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("no port in " + text);
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            else if (host.indexOf(':') >= 0) throw new IllegalArgumentException("IPv6 address without brackets in " + text);
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " out of range");
            return new HostPort(IpvsAddresses.canonical(host), port);
        }
    }
}
