package io.lvscp.agent.dataplane.ipvs;

import static io.lvscp.agent.dataplane.ipvs.Tables.*;
import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.dataplane.ServiceTable;
import io.lvscp.api.model.Scheduler;
import org.junit.jupiter.api.Test;

class IpvsadmSaveParserTest {
    /**
     * What ipvsadm 1.31 prints on kernel 6.1 (seen in the VM test): services in hash order, each before its real
     * servers; "-M" only for a netmask wider than one host; marks as signed numbers; real-server ports always. Plus
     * -x and -y, which 1.31 leaves out but which are rules IpvsBatch writes.
     */
    static final String SAVED = """
            -A -t 192.168.26.10:80 -s wlc -p 300 -M 255.255.255.0
            -a -t 192.168.26.10:80 -r 10.11.12.1:80 -m -w 3
            -a -t 192.168.26.10:80 -r 10.11.12.2:8080 -m -w 0
            -A -u 192.168.26.10:53 -s rr
            -a -u 192.168.26.10:53 -r 10.11.12.3:53 -g -w 1
            -A -t [2001:db8::1]:443 -s mh -p 120 -M 64 -b mh-fallback,mh-port
            -a -t [2001:db8::1]:443 -r [2001:db8:1::5]:443 -m -w 2
            -a -t [2001:db8::1]:443 -r 203.0.113.9:443 -i -w 1 --tun-type ipip
            -A -u [2001:db8::1]:53 -s sh -p 10 -o
            -a -u [2001:db8::1]:53 -r [2001:db8:3::1]:53 -g -w 65535
            -A -f 80 -s rr -p 600
            -a -f 80 -r 10.11.12.4:0 -g -w 1
            -a -f 80 -r 10.11.12.5:8443 -m -w 1 -x 100 -y 50
            -A -f 81 -6 -s lc
            -a -f 81 -6 -r [2001:db8:2::1]:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
            -A -f -1 -s fo
            """;

    @Test
    void readsEveryKindOfServiceAndRealServer() {
        ServiceTable expected = table(
                persistent(tcp("192.168.26.10", 80), Scheduler.wlc, 300, "255.255.255.0", masq("10.11.12.1", 80, 3), masq("10.11.12.2", 8080, 0)),
                service(udp("192.168.26.10", 53), Scheduler.rr, gate("10.11.12.3", 53, 1)),
                persistent(tcp("2001:db8::1", 443), Scheduler.mh, 120, "64", masq("2001:db8:1::5", 443, 2), ipip("203.0.113.9", 443, 1)),
                persistent(udp("2001:db8::1", 53), Scheduler.sh, 10, "128", gate("2001:db8:3::1", 53, 65535)),
                persistent(mark(80), Scheduler.rr, 600, "255.255.255.255", gate("10.11.12.4", 0, 1), limited(masq("10.11.12.5", 8443, 1), 100, 50)),
                service(mark6(81), Scheduler.lc, ipip("2001:db8:2::1", 0, 1)),
                service(mark(4294967295L), Scheduler.fo));
        assertEquals(expected, IpvsadmSaveParser.parse(SAVED));
    }

    @Test
    void anEmptyTableIsEmpty() {
        assertEquals(ServiceTable.EMPTY, IpvsadmSaveParser.parse(""));
        assertEquals(ServiceTable.EMPTY, IpvsadmSaveParser.parse("\n"));
    }

    @Test
    void persistenceWithoutMaskIsTheHostMaskOfTheFamily() {
        ServiceTable t = IpvsadmSaveParser.parse("-A -t 192.0.2.1:80 -s rr -p 30\n-A -f 9 -6 -s rr -p 30\n-A -t [2001:db8::1]:80 -s rr -p 30\n");
        assertEquals("255.255.255.255", t.services().get(tcp("192.0.2.1", 80)).persistenceNetmask());
        assertEquals("128", t.services().get(mark6(9)).persistenceNetmask());
        assertEquals("128", t.services().get(tcp("2001:db8::1", 80)).persistenceNetmask());
    }

    @Test
    void aServiceWithoutPersistenceHasNoNetmask() {
        ServiceTable t = IpvsadmSaveParser.parse("-A -t 192.0.2.1:80 -s rr\n");
        assertEquals(0, t.services().get(tcp("192.0.2.1", 80)).persistenceSeconds());
        assertNull(t.services().get(tcp("192.0.2.1", 80)).persistenceNetmask());
    }

    @Test
    void skipsSctpServicesWhichLvscpDoesNotModel() {
        ServiceTable t = IpvsadmSaveParser.parse("""
                -A --sctp-service 192.0.2.5:3868 -s rr
                -a --sctp-service 192.0.2.5:3868 -r 198.51.100.1:3868 -m -w 1
                -A -t 192.0.2.5:80 -s rr
                """);
        assertEquals(table(service(tcp("192.0.2.5", 80), Scheduler.rr)), t);
    }

    @Test
    void aSchedulerThisBuildDoesNotKnowReadsAsNone() {
        ServiceTable t = IpvsadmSaveParser.parse("-A -t 192.0.2.1:80 -s twos\n");
        assertNull(t.services().get(tcp("192.0.2.1", 80)).scheduler());
    }

    @Test
    void refusesWhatIpvsadmDoesNotWrite() {
        for (String bad : new String[] {
                "hello", "-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 1", "-A -t 192.0.2.1 -s rr", "-A -t web01:80 -s rr",
                "-A -s rr", "-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 198.51.100.1:80 -w 1",
                "-A -t 192.0.2.1:99999 -s rr", "-A -t 192.0.2.1:80 -s rr -p 30 -M 255.0.255.0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpvsadmSaveParser.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("ipvsadm -Sn line "), e.getMessage());
        }
    }
}
