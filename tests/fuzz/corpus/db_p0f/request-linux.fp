; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:request]

label = s:unix:Linux:3.11 and newer
sys   = Linux
sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0
sig   = *:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0
