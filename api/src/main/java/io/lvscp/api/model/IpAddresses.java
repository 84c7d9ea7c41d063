package io.lvscp.api.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Address literals as operators type them. Never resolves names: a control plane that looked up "web01" in DNS
 * would program whatever DNS said that day, so only literals are addresses here.
 */
public final class IpAddresses {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern PREFIX = Pattern.compile("0|[1-9]\\d{0,2}");

    private IpAddresses() {}

    /** The literal as an InetAddress, or empty if it is not an IPv4 or IPv6 literal. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null) return Optional.empty();
        try {
            if (IPV4.matcher(text).matches()) return Optional.of(InetAddress.getByName(text));
            // With a ':' and only hex digits, getByName parses an IPv6 literal and never asks DNS.
            if (text.indexOf(':') >= 0 && IPV6_CHARS.matcher(text).matches()) {
                InetAddress a = InetAddress.getByName(text);
                return a instanceof Inet6Address ? Optional.of(a) : Optional.empty();
            }
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The one spelling of an address that ipvsadm, ip and nft print (glibc's inet_ntop, RFC 5952): IPv4 as is,
     * IPv6 in lower case with the longest run of two or more zero groups as "::". Desired state compared with
     * what the kernel reports must use it, or "2001:DB8:0::1" would look like drift forever.
     */
    public static Optional<String> canonical(String literal) {
        return parse(literal).map(a -> a instanceof Inet6Address v6 ? ipv6(v6.getAddress()) : a.getHostAddress());
    }

    private static String ipv6(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) bestStart = -1;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLen - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    public static boolean isIpv4(String text) {
        return text != null && IPV4.matcher(text).matches();
    }

    /** A unicast address a packet can be sent to: not unspecified, multicast, broadcast or loopback-as-VIP. */
    public static Optional<String> unicastProblem(InetAddress a) {
        if (a.isAnyLocalAddress()) return Optional.of("is the unspecified address");
        if (a.isMulticastAddress()) return Optional.of("is a multicast address");
        if (a instanceof Inet4Address && "255.255.255.255".equals(a.getHostAddress())) return Optional.of("is the broadcast address");
        return Optional.empty();
    }

    /** The prefix length a netmask stands for: dotted quad for IPv4 ("255.255.255.0"), a number for IPv6 ("64"). */
    public static Optional<Integer> prefixLength(String netmask, boolean ipv6) {
        if (netmask == null) return Optional.empty();
        if (ipv6) {
            if (!PREFIX.matcher(netmask).matches()) return Optional.empty();
            int p = Integer.parseInt(netmask);
            return p <= 128 ? Optional.of(p) : Optional.empty();
        }
        if (!IPV4.matcher(netmask).matches()) return Optional.empty();
        String[] parts = netmask.split("\\.");
        long bits = 0;
        for (String part : parts) bits = (bits << 8) | Integer.parseInt(part);
        int prefix = Long.numberOfLeadingZeros(~bits & 0xffffffffL) - 32;
        long expected = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return bits == expected ? Optional.of(prefix) : Optional.empty();
    }

    /** The netmask that covers exactly one host of the address's family. */
    public static String hostMask(String address) {
        return address != null && address.indexOf(':') >= 0 ? "128" : "255.255.255.255";
    }
}
