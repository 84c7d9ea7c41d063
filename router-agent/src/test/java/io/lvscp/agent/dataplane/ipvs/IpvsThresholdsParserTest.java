package io.lvscp.agent.dataplane.ipvs;

import static io.lvscp.agent.dataplane.ipvs.Tables.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.agent.dataplane.ipvs.IpvsThresholdsParser.Thresholds;
import io.lvscp.api.model.Scheduler;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IpvsThresholdsParserTest {
    /** What ipvsadm 1.31 prints on kernel 6.1 (seen in the VM), trailing blanks included. */
    static final String LISTED = """
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn\s
              -> RemoteAddress:Port
            FWM  -1 fo
              -> 198.51.100.9:0               7          0          0          0         \s
            TCP  192.0.2.10:80 wlc persistent 300 mask 255.255.255.0
              -> 198.51.100.1:8080            2147483647 2147483647 0          0         \s
              -> 198.51.100.2:8080            0          0          12         340       \s
            SCTP 192.0.2.12:9 rr
              -> 198.51.100.3:9               3          0          0          0         \s
            UDP  [2001:db8::10]:53 sh
            FWM  82 IPv6 rr
              -> [2001:db8::5]:0              9          9          0          0         \s
            """;

    @Test
    void readsEveryRealServersThresholdsUnderItsService() {
        assertEquals(Map.of(
                mark(4294967295L), Map.of("198.51.100.9:0", new Thresholds(7, 0)),
                tcp("192.0.2.10", 80), Map.of("198.51.100.1:8080", new Thresholds(2147483647, 2147483647), "198.51.100.2:8080", new Thresholds(0, 0)),
                udp("2001:db8::10", 53), Map.of(),
                mark6(82), Map.of("[2001:db8::5]:0", new Thresholds(9, 9))), IpvsThresholdsParser.parse(LISTED));
    }

    @Test
    void anEmptyTableHasNone() {
        assertEquals(Map.of(), IpvsThresholdsParser.parse("IP Virtual Server version 1.2.1 (size=4096)\n"
                + "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\n"));
        assertEquals(Map.of(), IpvsThresholdsParser.parse(""));
    }

    @Test
    void aThresholdOnlyNetlinkCouldSetStillReadsAsSomethingLvscpNeverAsksFor() {
        assertEquals(Integer.MAX_VALUE, IpvsThresholdsParser.threshold("4294967295"));
        assertThrows(IllegalArgumentException.class, () -> IpvsThresholdsParser.threshold("4294967296"));
        assertThrows(IllegalArgumentException.class, () -> IpvsThresholdsParser.threshold("-1"));
    }

    @Test
    void mergesIntoTheTableReadBySave() {
        ServiceTable saved = table(
                service(tcp("192.0.2.10", 80), Scheduler.wlc, masq("198.51.100.1", 8080, 3), masq("198.51.100.2", 8080, 1), masq("198.51.100.4", 8080, 1)),
                service(mark6(82), Scheduler.rr, ipip("2001:db8::5", 0, 1)),
                service(mark(4294967295L), Scheduler.fo, limited(gate("198.51.100.9", 0, 1), 3, 0)));
        ServiceTable merged = IpvsThresholdsParser.merge(saved, IpvsThresholdsParser.parse(LISTED));
        assertEquals(table(
                // 198.51.100.4 is not in the listing (removed between the two commands): it keeps what it had.
                service(tcp("192.0.2.10", 80), Scheduler.wlc, limited(masq("198.51.100.1", 8080, 3), 2147483647, 2147483647),
                        masq("198.51.100.2", 8080, 1), masq("198.51.100.4", 8080, 1)),
                service(mark6(82), Scheduler.rr, limited(ipip("2001:db8::5", 0, 1), 9, 9)),
                service(mark(4294967295L), Scheduler.fo, limited(gate("198.51.100.9", 0, 1), 7, 0))), merged);
    }

    @Test
    void refusesWhatItCannotRead() {
        for (String bad : new String[] {
                "  -> 198.51.100.1:80 1 0 0 0\n",
                "TCP  192.0.2.10:80 rr\n  -> 198.51.100.1:80\n",
                "TCP  192.0.2.10:80 rr\n  -> 198.51.100.1:80 many 0 0 0\n",
                "TCP  192.0.2.10:80 rr\n  -> 2001:db8::1:80 1 0 0 0\n",
                "XYZ  192.0.2.10:80 rr\n"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpvsThresholdsParser.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("ipvsadm -Ln --thresholds line "), e.getMessage());
        }
    }
}
