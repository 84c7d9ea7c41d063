package io.lvscp.agent.dataplane.ipvs;

import static io.lvscp.agent.dataplane.ipvs.Tables.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.dataplane.Destination;
import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.model.Scheduler;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpvsBatchTest {
    @Test
    void fromEmptyEveryServiceThenEveryRealServer() {
        assertEquals("""
                -A -f 80 -s rr -p 600 -M 255.255.255.255
                -A -t 192.0.2.10:80 -s wlc -p 300 -M 255.255.255.0
                -A -u 192.0.2.10:53 -s rr
                -a -f 80 -r 198.51.100.5:0 -g -w 1
                -a -f 80 -r 198.51.100.6:0 -i -w 4
                -a -t 192.0.2.10:80 -r 198.51.100.1:8080 -m -w 3
                -a -u 192.0.2.10:53 -r 198.51.100.3:53 -g -w 1
                """, IpvsBatch.between(ServiceTable.EMPTY, table(
                persistent(WEB, Scheduler.wlc, 300, "255.255.255.0", masq("198.51.100.1", 8080, 3)),
                service(DNS, Scheduler.rr, gate("198.51.100.3", 53, 1)),
                persistent(MARK, Scheduler.rr, 600, "255.255.255.255", gate("198.51.100.5", 0, 1), ipip("198.51.100.6", 0, 4)))));
    }

    @Test
    void changesInTheOrderThatNeverFailsMidway() {
        ServiceTable changed = with(SAMPLE, WEB, s -> withDestination(s, limited(masq("198.51.100.1", 8080, 7), 100, 50)));
        changed = with(changed, WEB, s -> withDestination(s, gate("198.51.100.2", 8080, 0)));
        changed = with(changed, DNS, s -> withDestination(s, gate("198.51.100.8", 53, 1)));
        changed = with(changed, MARK, s -> withoutDestination(s, "198.51.100.6:0"));
        changed = with(changed, TLS, s -> withScheduler(s, Scheduler.wrr));
        changed = with(changed, WEB6, s -> withPersistence(s, 0, null));
        changed = with(changed, MARK6, s -> withPersistence(s, 30, "64"));
        changed = without(changed, DNS6);
        changed = with(changed, tcp("2001:db8::20", 22), s -> service(tcp("2001:db8::20", 22), Scheduler.sed, masq("2001:db8:4::1", 22, 1)));

        assertEquals("""
                -D -u [2001:db8::10]:53
                -d -f 80 -r 198.51.100.6:0
                -E -f 81 -6 -s lc -p 30 -M 64
                -E -t 192.0.2.11:443 -s wrr -p 60 -M 255.255.255.255
                -E -t [2001:db8::10]:80 -s mh
                -A -t [2001:db8::20]:22 -s sed
                -e -t 192.0.2.10:80 -r 198.51.100.1:8080 -m -w 7 -x 100 -y 50
                -e -t 192.0.2.10:80 -r 198.51.100.2:8080 -g -w 0
                -a -t [2001:db8::20]:22 -r [2001:db8:4::1]:22 -m -w 1
                -a -u 192.0.2.10:53 -r 198.51.100.8:53 -g -w 1
                """, IpvsBatch.between(SAMPLE, changed));
    }

    @Test
    void thresholdsAreWrittenWhenSetAndClearedByLeavingThemOut() {
        assertEquals("""
                -A -t 192.0.2.10:80 -s wlc
                -a -t 192.0.2.10:80 -r 198.51.100.1:8080 -m -w 3 -x 100 -y 50
                -a -t 192.0.2.10:80 -r 198.51.100.2:8080 -m -w 1 -x 20
                -a -t 192.0.2.10:80 -r 198.51.100.3:8080 -m -w 1
                """, IpvsBatch.between(ServiceTable.EMPTY, table(service(WEB, Scheduler.wlc,
                limited(masq("198.51.100.1", 8080, 3), 100, 50), limited(masq("198.51.100.2", 8080, 1), 20, 0), masq("198.51.100.3", 8080, 1)))));

        // ipvsadm -e sets the whole real server: the weight is spelled out with a threshold change, and a threshold
        // left out is 0.
        ServiceTable changed = with(SAMPLE, WEB, s -> withDestination(s, limited(masq("198.51.100.1", 8080, 3), 200, 150)));
        changed = with(changed, MARK, s -> withDestination(s, ipip("198.51.100.6", 0, 4)));
        changed = with(changed, DNS, s -> withDestination(s, limited(gate("198.51.100.3", 53, 1), 10, 10)));
        assertEquals("""
                -e -f 80 -r 198.51.100.6:0 -i -w 4
                -e -t 192.0.2.10:80 -r 198.51.100.1:8080 -m -w 3 -x 200 -y 150
                -e -u 192.0.2.10:53 -r 198.51.100.3:53 -g -w 1 -x 10 -y 10
                """, IpvsBatch.between(SAMPLE, changed));
    }

    @Test
    void nothingForEqualTables() {
        assertEquals("", IpvsBatch.between(SAMPLE, SAMPLE));
        assertEquals("", IpvsBatch.between(ServiceTable.EMPTY, ServiceTable.EMPTY));
    }

    @Test
    void aDefaultNetmaskIsNoChange() {
        ServiceTable spelled = table(persistent(WEB, Scheduler.rr, 30, "255.255.255.255"), persistent(WEB6, Scheduler.rr, 30, "128"));
        ServiceTable implied = table(persistent(WEB, Scheduler.rr, 30, null), persistent(WEB6, Scheduler.rr, 30, null));
        assertEquals("", IpvsBatch.between(spelled, implied));
        assertEquals("", IpvsBatch.between(table(service(WEB, Scheduler.rr)), table(persistent(WEB, Scheduler.rr, 0, "255.255.255.0"))));
    }

    @Test
    void aScriptReadsBackAsTheTableItWrites() {
        assertEquals(SAMPLE, IpvsadmSaveParser.parse(IpvsBatch.between(ServiceTable.EMPTY, SAMPLE)));
        ServiceTable big = big(1000);
        assertEquals(big, IpvsadmSaveParser.parse(IpvsBatch.between(ServiceTable.EMPTY, big)));
    }

    @Test
    void oneWeightInAThousandServicesIsOneLine() {
        ServiceTable big = big(1000);
        List<String> lines = IpvsBatch.between(big, withOneWeightChanged(big)).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("-e -t 192.0.2.1:10500 -r "), lines.get(0));
    }

    @Test
    void refusesValuesThatAreNotWhatTheyClaim() {
        for (ServiceTable bad : List.of(
                table(service(tcp("-C", 80), Scheduler.rr)),
                table(service(tcp("web01", 80), Scheduler.rr)),
                table(service(WEB, Scheduler.rr, masq("198.51.100.1\n-C", 80, 1))),
                table(service(WEB, Scheduler.rr, masq("--help", 80, 1))),
                table(service(WEB, null)),
                table(service(WEB, Scheduler.rr, masq("198.51.100.1", 80, 65536))),
                table(service(WEB, Scheduler.rr, masq("198.51.100.1", 65536, 1))),
                table(service(WEB, Scheduler.rr, new Destination("198.51.100.1", 80, null, 1, 0, 0))),
                table(service(WEB, Scheduler.rr, limited(masq("198.51.100.1", 80, 1), 10, 11))),
                table(service(WEB, Scheduler.rr, limited(masq("198.51.100.1", 80, 1), 0, 5))),
                table(service(WEB, Scheduler.rr, limited(masq("198.51.100.1", 80, 1), -1, 0))),
                table(service(WEB, Scheduler.rr, limited(masq("198.51.100.1", 80, 1), 1_000_000_001, 0))),
                table(persistent(WEB, Scheduler.rr, 30, "-1")),
                table(persistent(WEB, Scheduler.rr, 30, "255.0.255.0")),
                table(persistent(WEB6, Scheduler.rr, 30, "255.255.255.0")),
                table(persistent(WEB, Scheduler.rr, 31 * 86400 + 1, null)),
                table(persistent(WEB, Scheduler.rr, -5, null)),
                table(service(mark(1L << 32), Scheduler.rr)))) {
            assertThrows(IllegalArgumentException.class, () -> IpvsBatch.between(ServiceTable.EMPTY, bad), bad.toString());
        }
    }
}
