package io.lvscp.agent.dataplane.ipvs;

import io.lvscp.api.stream.StreamMessage.DestinationStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code ipvsadm -Ln --stats --exact}: a line per service ("TCP  192.168.26.10:80  5  30  25  2000  3000",
 * "FWM  80 ...") followed by a line per real server ("  -> 10.11.12.1:80  3 ..."), columns Conns, InPkts,
 * OutPkts, InBytes, OutBytes. --exact gives whole numbers rather than "1K".
 */
final class IpvsStatsParser {
    private IpvsStatsParser() {}

    static List<DestinationStats> parse(String text) {
        List<DestinationStats> out = new ArrayList<>();
        String service = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("IP Virtual Server") || line.startsWith("Prot ") || line.equals("-> RemoteAddress:Port")) continue;
            String[] f = line.split("\\s+");
            if (f[0].equals("->")) {
                if (service == null || f.length < 7) continue;
                out.add(new DestinationStats(service, f[1], number(f[2]), number(f[3]), number(f[4]), number(f[5]), number(f[6])));
            } else if (f.length >= 7) {
                service = switch (f[0]) {
                    case "TCP" -> "tcp " + f[1];
                    case "UDP" -> "udp " + f[1];
                    case "FWM" -> "fwm " + f[1];
                    default -> null; // SCTP and others lvscp does not make
                };
            }
        }
        return out;
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
