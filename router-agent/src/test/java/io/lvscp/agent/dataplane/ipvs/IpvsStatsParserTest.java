package io.lvscp.agent.dataplane.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvscp.api.stream.StreamMessage.DestinationStats;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpvsStatsParserTest {
    @Test
    void countersPerRealServerUnderTheirService() {
        String out = """
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
                  -> RemoteAddress:Port
                TCP  192.168.26.10:80                   12      140      120    10240    98304
                  -> 10.11.12.1:80                       7       80       70     6000    60000
                  -> 10.11.12.2:80                       5       60       50     4240    38304
                UDP  [2001:db8::10]:53                   1        1        1       60      120
                  -> [2001:db8::1]:53                    1        1        1       60      120
                FWM  80                                  0        0        0        0        0
                  -> 10.11.12.3:0                        0        0        0        0        0
                """;
        assertEquals(List.of(
                new DestinationStats("tcp 192.168.26.10:80", "10.11.12.1:80", 7, 80, 70, 6000, 60000),
                new DestinationStats("tcp 192.168.26.10:80", "10.11.12.2:80", 5, 60, 50, 4240, 38304),
                new DestinationStats("udp [2001:db8::10]:53", "[2001:db8::1]:53", 1, 1, 1, 60, 120),
                new DestinationStats("fwm 80", "10.11.12.3:0", 0, 0, 0, 0, 0)), IpvsStatsParser.parse(out));
    }

    @Test
    void anEmptyTableHasNoCounters() {
        assertEquals(List.of(), IpvsStatsParser.parse("IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Conns InPkts OutPkts InBytes OutBytes\n  -> RemoteAddress:Port\n"));
    }
}
