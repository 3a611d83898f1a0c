module tripsage.local/cluster/pause

go 1.24
