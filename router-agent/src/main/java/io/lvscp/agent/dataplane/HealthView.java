package io.lvscp.agent.dataplane;

/**
 * What the agent's own health checks say of the real servers, as the desired table needs it. Health acts locally
 * and at once: the table changes when a verdict changes, not when the control plane hears of it.
 */
@FunctionalInterface
public interface HealthView {
    HealthView ALL_HEALTHY = (virtualServer, realServer) -> true;

    boolean healthy(String virtualServer, String realServer);
}
