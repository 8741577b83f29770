"""Networks: logical networks, their attachment to clusters, vNIC profiles and MAC pools."""
