/**
 * The router agent: receives a cluster's desired state from the control plane and programs the LVS router's
 * kernel (IPVS or nftables), checks real servers and fails over within the router pair. Not built yet; the
 * shared language it will speak is in lvscp-api.
 */
package io.lvscp.agent;
