; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[mtu]
label = Ethernet or modem
sig = 1500

[http:request]
label = s:!:Firefox:
sig = *:Host,User-Agent::Firefox/

[tcp:request]
label = s:unix:Linux:2.4
sig = 4:64:0:*:mss*4,0:mss,sok,ts,nop,ws:df,id+:0
