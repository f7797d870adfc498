[tcp:response]
label = s:unix:Pad:1
sig = *:64:0:*:*,*:mss,eol+39::0
