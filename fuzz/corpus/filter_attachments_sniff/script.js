x = (function(){ return typeof y === "z"; })();
